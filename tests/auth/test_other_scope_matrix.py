"""Every documented endpoint, every role but admin, aimed at the other half of the world.

The endpoints come from the OpenAPI document itself, so a new endpoint is covered the day it is
documented (and a new kind of path parameter fails here until it is given an object outside the
roles' scope). The roles hold D1 / market MA / stall VA; every object named in a request belongs
to D2 / market MB / stall VB. A change, or a read of one object, is refused with the exact status
written below (403 unless listed); a list a role may read answers 200 and contains nothing of MB.
Every request is valid — an administrator's very same request succeeds with the documented status —
so that only the scope check can refuse it (a 422 would hide a missing one).

The list of endpoints is the app's url_map: a route that is neither walked here nor listed in
UNSCOPED with its reason fails `test_the_matrix_covers_every_api_route`.
"""

import io
import re

import pytest
from flask import Flask

from market_pay.api.openapi import ENDPOINTS, PUBLIC
from market_pay.cash.services import record_cash_sale
from market_pay.extensions import db
from market_pay.payments.models import SuspenseItem
from market_pay.payments.payment_requests import create_payment_request
from market_pay.reconciliation.services import reconcile_file
from market_pay.vendors.services import add_account
from tests.factories import account_data, auth_header, make_market, make_region, make_user, make_vendor
from tests.payments.helpers import set_partners
from tests.reconciliation.statements import line, write_statement

# Routes no scope applies to, each with the reason. Everything else in the API is walked below.
UNSCOPED = {
    "/api/v1/auth/token": "signing in: public",
    "/api/v1/verify": "the public verify page's check of a scanned code",
    "/api/v1/callbacks/{partner}": "the banks' callbacks: signed, not signed in",
    "/api/v1/openapi.json": "the public API document",
    "/api/v1/auth/revoke": "one's own token",
    "/api/v1/auth/me": "one's own user",
    "/api/v1/auth/password": "one's own password",
    "/api/v1/auth/pin": "one's own PIN",
    "/api/v1/qr/decode": "decodes the payload it is sent; reads no stored object",
}
assert set(UNSCOPED) >= PUBLIC
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
    other_vendor = make_user("vendor", "MB-OTHER/VB")
    # Added by the market's manager, so it waits for the vendor's decision (confirm / reject).
    pending = add_account(other_manager, vb.id, account_data("970436", "9876543210988", "NGUYỄN THỊ HOA"))
    request, _ = create_payment_request(admin, vb.id, {"amount": 25_000}, None)
    sale = record_cash_sale(admin, vb.id, 15_000)
    item = SuspenseItem(reason="unknown_account", detail="test", market_id=mb.id)
    db.session.add(item)
    statement = write_statement(
        tmp_path / "b.csv",
        [("970436", "9876543210987", 0, [line("OB-1", "FT-OB-1", "2026-11-21T09:00:00+07:00", 40_000)], None)],
    )
    run, _ = reconcile_file(None, str(statement), "simbank", None, "b.csv")
    db.session.commit()
    return {
        "code:markets": "MB-OTHER",
        "code:regions": "C2",
        "vendor_id": vb.id,
        "account_id": vb.accounts[0].id,
        "reference": request.reference,
        "sale_id": sale.id,
        "item_id": item.id,
        "run_id": run.id,
        "user_id": other_vendor.id,
        "pending_account_id": pending.id,
        "image_format": "png",
        "partner": "simbank",
        "statement": statement,
    }


# Requests about the account waiting for its vendor's decision rather than the active one.
ON_PENDING_ACCOUNT = {"/api/v1/accounts/{account_id}/confirm", "/api/v1/accounts/{account_id}/reject"}


def fill_path(path: str, world: dict) -> str:
    def value(match):
        name = match.group(1)
        if name == "code":
            return str(world["code:regions" if path.startswith("/api/v1/regions") else "code:markets"])
        if name == "account_id" and path in ON_PENDING_ACCOUNT:
            return str(world["pending_account_id"])
        return str(world[name])  # a KeyError: give the new parameter an object of MB above

    return re.sub(r"\{(\w+)\}", value, path)


# What each request carries to aim at MB (query strings for lists, bodies for changes).
QUERIES = {
    "/api/v1/vendors": "?market_code=MB-OTHER",
    "/api/v1/markets": "?region_code=C2",
    "/api/v1/regions": "?parent_code=D2",
    "/api/v1/suspense": "?market_code=MB-OTHER",
    "/api/v1/reports/adoption": "?market=MB-OTHER&from=2026-11-01&to=2026-11-30",
    "/api/v1/users": "",
    "/api/v1/reconciliation-runs": "",
    "/api/v1/audit-log": "?market=MB-OTHER",
    "/api/v1/vendors/{vendor_id}/revenue": "?from=2026-11-01&to=2026-11-30",
}
BODIES = {
    ("post", "/api/v1/users"): {
        "username": "ql.new",
        "password": "new-password-1",
        "role": "market_manager",
        "scope": "MB-OTHER",
    },
    ("post", "/api/v1/regions"): {"code": "C9", "name": "Xã Chín", "kind": "commune", "parent_code": "D2"},
    ("post", "/api/v1/markets"): {"code": "MC", "name": "Chợ C", "region_code": "C2"},
    ("patch", "/api/v1/markets/{code}"): {"name": "Chợ đổi tên"},
    ("post", "/api/v1/vendors"): {
        "market_code": "MB-OTHER",
        "stall_code": "NEW",
        "display_name": "Mới",
        "legal_name": "NGUYỄN THỊ HOA",
        "phone": "0912345678",
        "accounts": [account_data()],
    },
    ("patch", "/api/v1/vendors/{vendor_id}"): {"display_name": "Đổi tên"},
    ("post", "/api/v1/vendors/{vendor_id}/suspend"): {"reason": "Sạp nghỉ bán cả tuần"},
    ("post", "/api/v1/vendors/{vendor_id}/accounts"): account_data(),
    ("post", "/api/v1/vendors/{vendor_id}/payment-requests"): {"amount": 10_000},
    ("post", "/api/v1/suspense/{item_id}/resolve"): {"action": "dismiss", "note": "not ours"},
    ("post", "/api/v1/vendors/{vendor_id}/cash-sales"): {"amount": 1_000},
}


def send(client, method: str, path: str, world: dict, headers: dict):
    url = fill_path(path, world) + (QUERIES.get(path, "") if method == "get" else "")
    if path == "/api/v1/statements":
        with open(world["statement"], "rb") as handle:
            return client.post(
                url,
                headers=headers,
                content_type="multipart/form-data",
                data={"file": (io.BytesIO(handle.read()), "b.csv"), "partner": "simbank"},
            )
    if path == "/api/v1/markets/{code}/vendors/import":
        csv_text = "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\nZ-1,Rau,0912345678,,970405,88881,X\n"
        return client.post(url, headers={**headers, "Content-Type": "text/csv"}, data=csv_text.encode())
    body = BODIES.get((method, path))
    return client.open(url, method=method.upper(), headers=headers, json=body if body is not None else None)


SCOPED = [(method, path) for method, path, *_ in ENDPOINTS if path not in UNSCOPED]
SUCCESS = {(method, path): status for method, path, _, _, _, status, _ in ENDPOINTS}

# Lists a role may read: 200, filtered to its own scope (nothing of MB in the answer).
FILTERED_LISTS = {
    ("get", "/api/v1/regions"): set(ROLES),
    ("get", "/api/v1/markets"): set(ROLES),
    ("get", "/api/v1/suspense"): {"region_staff", "market_manager"},
    ("get", "/api/v1/reconciliation-runs"): {"region_staff", "market_manager"},
    ("get", "/api/v1/audit-log"): {"region_staff", "market_manager", "vendor"},
}
# Another scope's reconciliation run is unknown to staff who read runs (404, like any unknown id);
# stall roles read no runs at all (403). Every other refusal is 403.
RUN_READS = (
    "/api/v1/reconciliation-runs/{run_id}",
    "/api/v1/reconciliation-runs/{run_id}/breaks",
    "/api/v1/reconciliation-runs/{run_id}/breaks.csv",
)
NOT_FOUND = {(("get", path), role) for path in RUN_READS for role in ("region_staff", "market_manager")}


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, path) of every API route the app serves, paths written as in the OpenAPI document."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_matrix_covers_every_api_route(app):
    uncovered = {(method, path) for method, path in api_routes(app) if path not in UNSCOPED} - set(SCOPED)
    assert not uncovered, f"walk these in the matrix, or list them in UNSCOPED with the reason: {sorted(uncovered)}"
    assert {path for _, path in api_routes(app)} >= set(UNSCOPED), "UNSCOPED names a route that is gone"


def expected_refusal(role: str, method: str, path: str) -> int:
    return 404 if ((method, path), role) in NOT_FOUND else 403


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("method, path", SCOPED)
def test_nothing_of_another_scope_is_reachable(client, world, role, method, path):
    headers = auth_header(make_user(role, ROLES[role]))
    response = send(client, method, path, world, headers)
    if role in FILTERED_LISTS.get((method, path), ()):
        assert response.status_code == 200, (role, method, path, response.status_code)
        text = response.get_data(as_text=True)
        leaked = [marker for marker in MARKERS if marker in text]
        assert not leaked, (role, path, leaked)
    else:
        expected = expected_refusal(role, method, path)
        assert response.status_code == expected, (role, method, path, response.status_code, response.get_json())


@pytest.mark.parametrize("method, path", SCOPED)
def test_the_same_request_succeeds_for_an_administrator(client, world, method, path):
    """The matrix is not vacuous: each of its requests is valid, and the administrator's succeeds."""
    response = send(client, method, path, world, auth_header(make_user("admin")))
    expected = SUCCESS[(method, path)]
    if path == "/api/v1/statements":
        expected = 200  # the world reconciled this very file already: the same run again
    assert response.status_code == expected, (method, path, response.status_code, response.get_json(silent=True))
