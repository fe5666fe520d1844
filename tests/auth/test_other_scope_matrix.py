"""Every documented endpoint, every role but admin, aimed at the other half of the world.

The endpoints come from the OpenAPI document itself, so a new endpoint is covered the day it is
documented (and a new kind of path parameter fails here until it is given an object outside the
roles' scope). The roles hold D1 / market MA / stall VA; every object named in a request belongs
to D2 / market MB / stall VB. A change, or a read of one object, must never answer 2xx; a list may
answer 2xx but must not contain anything of MB.
"""
import io
import re

import pytest

from market_pay.api.openapi import ENDPOINTS, PUBLIC
from market_pay.cash.services import record_cash_sale
from market_pay.extensions import db
from market_pay.payments.models import SuspenseItem
from market_pay.payments.payment_requests import create_payment_request
from market_pay.reconciliation.services import reconcile_file
from tests.factories import account_data, auth_header, make_market, make_region, make_user, make_vendor
from tests.payments.helpers import set_partners
from tests.reconciliation.statements import line, write_statement

# Needs no scope: signing in and out, one's own user and secret, decoding a payload, the public pages' API.
UNSCOPED = PUBLIC | {"/api/v1/auth/revoke", "/api/v1/auth/me", "/api/v1/auth/password", "/api/v1/auth/pin",
                     "/api/v1/qr/decode"}
ROLES = {"region_staff": "D1", "market_manager": "MA", "vendor": "MA/VA", "vendor_assistant": "MA/VA"}
# Strings only MB's objects carry: none may appear in a 2xx answer to these roles.
MARKERS = ("MB-OTHER", "Chợ Xa Lạ", "9876543210987", "ql.other")


@pytest.fixture
def world(app, tmp_path):
    set_partners()
    province = make_region("P", kind="province")
    d1, d2 = (make_region(code, kind="former_district", parent=province) for code in ("D1", "D2"))
    c1, c2 = make_region("C1", parent=d1), make_region("C2", parent=d2)
    ma, mb = make_market("MA", region=c1), make_market("MB-OTHER", region=c2, name="Chợ Xa Lạ")
    make_vendor(ma, stall_code="VA")
    vb = make_vendor(mb, stall_code="VB", accounts=[account_data("970436", "9876543210987")])
    admin = make_user("admin")
    other_manager = make_user("market_manager", "MB-OTHER", username="ql.other")
    request, _ = create_payment_request(admin, vb.id, {"amount": 25_000}, None)
    sale = record_cash_sale(admin, vb.id, 15_000)
    item = SuspenseItem(reason="unknown_account", detail="test", market_id=mb.id)
    db.session.add(item)
    statement = write_statement(tmp_path / "b.csv", [("970436", "9876543210987", 0, [
        line("OB-1", "FT-OB-1", "2026-11-21T09:00:00+07:00", 40_000)], None)])
    run, _ = reconcile_file(None, str(statement), "simbank", None, "b.csv")
    db.session.commit()
    return {"code:markets": "MB-OTHER", "code:regions": "C2", "vendor_id": vb.id, "account_id": vb.accounts[0].id,
            "reference": request.reference, "sale_id": sale.id, "item_id": item.id, "run_id": run.id,
            "user_id": other_manager.id, "image_format": "png", "partner": "simbank", "statement": statement}


def fill_path(path: str, world: dict) -> str:
    def value(match):
        name = match.group(1)
        if name == "code":
            return str(world["code:regions" if path.startswith("/api/v1/regions") else "code:markets"])
        return str(world[name])  # a KeyError: give the new parameter an object of MB above
    return re.sub(r"\{(\w+)\}", value, path)


# What each request carries to aim at MB (query strings for lists, bodies for changes).
QUERIES = {"/api/v1/vendors": "?market_code=MB-OTHER", "/api/v1/markets": "?region_code=C2",
           "/api/v1/regions": "?parent_code=D2", "/api/v1/suspense": "?market_code=MB-OTHER",
           "/api/v1/reports/adoption": "?market=MB-OTHER&from=2026-11-01&to=2026-11-30",
           "/api/v1/users": "", "/api/v1/reconciliation-runs": "", "/api/v1/audit-log": "?market=MB-OTHER"}
BODIES = {
    ("post", "/api/v1/users"): {"username": "ql.new", "password": "new-password-1", "role": "market_manager",
                                "scope": "MB-OTHER"},
    ("post", "/api/v1/regions"): {"code": "C9", "name": "Xã Chín", "kind": "commune", "parent_code": "D2"},
    ("post", "/api/v1/markets"): {"code": "MC", "name": "Chợ C", "region_code": "C2"},
    ("patch", "/api/v1/markets/{code}"): {"name": "Chợ đổi tên"},
    ("post", "/api/v1/vendors"): {"market_code": "MB-OTHER", "stall_code": "NEW", "display_name": "Mới",
                                  "phone": "0912345678", "accounts": [account_data()]},
    ("patch", "/api/v1/vendors/{vendor_id}"): {"display_name": "Đổi tên"},
    ("post", "/api/v1/vendors/{vendor_id}/accounts"): account_data(),
    ("post", "/api/v1/vendors/{vendor_id}/payment-requests"): {"amount": 10_000},
    ("post", "/api/v1/suspense/{item_id}/resolve"): {"action": "dismiss", "note": "not ours"},
    ("post", "/api/v1/vendors/{vendor_id}/cash-sales"): {"amount": 1_000},
}


def send(client, method: str, path: str, world: dict, headers: dict):
    url = fill_path(path, world) + (QUERIES.get(path, "") if method == "get" else "")
    if path == "/api/v1/statements":
        with open(world["statement"], "rb") as handle:
            return client.post(url, headers=headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(handle.read()), "b.csv"), "partner": "simbank"})
    if path == "/api/v1/markets/{code}/vendors/import":
        csv_text = "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\nZ-1,Rau,0912345678,,970405,88881,X\n"
        return client.post(url, headers={**headers, "Content-Type": "text/csv"}, data=csv_text.encode())
    body = BODIES.get((method, path))
    return client.open(url, method=method.upper(), headers=headers, json=body if body is not None else None)


SCOPED = [(method, path) for method, path, *_ in ENDPOINTS if path not in UNSCOPED]


def test_the_matrix_covers_every_scoped_endpoint():
    assert len(SCOPED) >= 38  # the document lists them; this test walks every one


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("method, path", SCOPED)
def test_nothing_of_another_scope_answers_2xx(client, world, role, method, path):
    headers = auth_header(make_user(role, ROLES[role]))
    response = send(client, method, path, world, headers)
    if 200 <= response.status_code < 300:
        assert method == "get" and "{" not in path, (role, method, path, response.status_code)
        text = response.get_data(as_text=True)
        leaked = [marker for marker in MARKERS if marker in text]
        assert not leaked, (role, path, leaked)
    else:
        assert response.status_code in (401, 403, 404, 422), (role, method, path, response.status_code)


def test_the_same_requests_work_for_an_administrator(client, world):
    """The matrix is not vacuous: for the admin the very same requests mostly succeed."""
    headers = auth_header(make_user("admin"))
    succeeded = [path for method, path in SCOPED if 200 <= send(client, method, path, world, headers).status_code < 300]
    assert len(succeeded) >= len(SCOPED) * 0.7, sorted({p for _, p in SCOPED} - set(succeeded))
