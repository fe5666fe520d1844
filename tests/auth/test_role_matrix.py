"""Every role against every registry action, inside and outside its scope.

The world: province P with former districts D1 (commune C1, market MA, stall VA) and D2
(commune C2, market MB, stall VB). Region staff hold D1, the manager holds MA, the vendor and the
assistant hold VA. An action a role may do answers 2xx; anything else is exactly 403.
"""

import io

import pytest

from market_pay.extensions import db
from market_pay.vendors.services import add_account
from tests.factories import VENDOR_PIN, account_data, auth_header, make_market, make_region, make_user, make_vendor

ROLES = ["admin", "region_staff", "market_manager", "vendor", "vendor_assistant"]
EVERYONE = set(ROLES)
CSV = (
    "stall_code,display_name,phone,floor_amount,bin,account_number,account_name\nZ-1,Rau,0912345678,,970405,8888{n},X\n"
)


@pytest.fixture
def world(app):
    province = make_region("P", kind="province")
    d1, d2 = (
        make_region("D1", kind="former_district", parent=province),
        make_region("D2", kind="former_district", parent=province),
    )
    c1, c2 = make_region("C1", parent=d1), make_region("C2", parent=d2)
    ma, mb = make_market("MA", region=c1), make_market("MB", region=c2)
    va, vb = make_vendor(ma, stall_code="VA"), make_vendor(mb, stall_code="VB")
    # An account change each market's manager asked for, waiting for its vendor.
    pa = add_account(make_user("market_manager", "MA"), va.id, account_data())
    pb = add_account(make_user("market_manager", "MB"), vb.id, account_data())
    db.session.commit()
    return {"MA": ma, "MB": mb, "VA": va, "VB": vb, "C2": c2, "PA": pa.id, "PB": pb.id}


def login(role):
    scope = {
        "admin": None,
        "region_staff": "D1",
        "market_manager": "MA",
        "vendor": "MA/VA",
        "vendor_assistant": "MA/VA",
    }[role]
    return auth_header(make_user(role, scope=scope))


def new_vendor(market_code):
    return {
        "market_code": market_code,
        "stall_code": "NEW",
        "display_name": "Mới",
        "legal_name": "Nguyễn Thị Hoa",
        "phone": "0912345678",
        "accounts": [account_data()],
    }


def statement_of(vendor):
    """A quiet day's statement for the stall's account: its balances and no lines."""
    account = vendor.accounts[0]
    text = (
        "transaction_id,bank_reference,booked_at,bin,account_number,direction,amount,description,balance_after\n"
        f",,,{account.bin},{account.account_number},opening,0,,5000\n"
        f",,,{account.bin},{account.account_number},closing,0,,5000\n"
    )
    return {"file": (io.BytesIO(text.encode()), "statement.csv"), "partner": "simbank", "date": "2026-11-21"}


# name: (request maker, roles allowed)
ACTIONS = {
    "list markets": (lambda c, w, h: c.get("/api/v1/markets", headers=h), EVERYONE),
    "get own market": (lambda c, w, h: c.get("/api/v1/markets/MA", headers=h), EVERYONE),
    "get other market": (lambda c, w, h: c.get("/api/v1/markets/MB", headers=h), {"admin"}),
    "edit own market": (
        lambda c, w, h: c.patch("/api/v1/markets/MA", json={"name": "Chợ A"}, headers=h),
        {"admin", "market_manager"},
    ),
    "edit other market": (lambda c, w, h: c.patch("/api/v1/markets/MB", json={"name": "Chợ B"}, headers=h), {"admin"}),
    "create market": (
        lambda c, w, h: c.post("/api/v1/markets", json={"code": "MC", "name": "Chợ C", "region_code": "C1"}, headers=h),
        {"admin"},
    ),
    "create region": (
        lambda c, w, h: c.post(
            "/api/v1/regions", json={"code": "C9", "name": "Xã", "kind": "commune", "parent_code": "D1"}, headers=h
        ),
        {"admin"},
    ),
    "get region outside subtree": (lambda c, w, h: c.get("/api/v1/regions/C2", headers=h), {"admin"}),
    "register stall in own market": (
        lambda c, w, h: c.post("/api/v1/vendors", json=new_vendor("MA"), headers=h),
        {"admin", "market_manager"},
    ),
    "register stall in other market": (
        lambda c, w, h: c.post("/api/v1/vendors", json=new_vendor("MB"), headers=h),
        {"admin"},
    ),
    "list own market's stalls": (lambda c, w, h: c.get("/api/v1/vendors?market_code=MA", headers=h), EVERYONE),
    "list other market's stalls": (lambda c, w, h: c.get("/api/v1/vendors?market_code=MB", headers=h), {"admin"}),
    "get own stall": (lambda c, w, h: c.get(f"/api/v1/vendors/{w['VA'].id}", headers=h), EVERYONE),
    "get other stall": (lambda c, w, h: c.get(f"/api/v1/vendors/{w['VB'].id}", headers=h), {"admin"}),
    "edit own stall": (
        lambda c, w, h: c.patch(f"/api/v1/vendors/{w['VA'].id}", json={"display_name": "X"}, headers=h),
        {"admin", "market_manager"},
    ),
    "edit other stall": (
        lambda c, w, h: c.patch(f"/api/v1/vendors/{w['VB'].id}", json={"display_name": "X"}, headers=h),
        {"admin"},
    ),
    "suspend own stall": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VA'].id}/suspend", json={"reason": "nợ phí"}, headers=h),
        {"admin", "market_manager"},
    ),
    "suspend other stall": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VB'].id}/suspend", json={"reason": "nợ phí"}, headers=h),
        {"admin"},
    ),
    "add account to own stall": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VA'].id}/accounts", json=account_data(), headers=h),
        {"admin", "market_manager"},
    ),
    "add account to other stall": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VB'].id}/accounts", json=account_data(), headers=h),
        {"admin"},
    ),
    "deactivate own account": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VA'].id}/accounts/{w['VA'].accounts[0].id}/deactivate", headers=h),
        {"admin", "market_manager"},
    ),
    "deactivate other account": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VB'].id}/accounts/{w['VB'].accounts[0].id}/deactivate", headers=h),
        {"admin"},
    ),
    "confirm own stall's account change": (
        lambda c, w, h: c.post(f"/api/v1/accounts/{w['PA']}/confirm", json={"pin": VENDOR_PIN}, headers=h),
        {"admin", "vendor"},
    ),
    "reject own stall's account change": (
        lambda c, w, h: c.post(f"/api/v1/accounts/{w['PA']}/reject", json={"pin": VENDOR_PIN}, headers=h),
        {"admin", "market_manager", "vendor"},
    ),
    "confirm other stall's account change": (
        lambda c, w, h: c.post(f"/api/v1/accounts/{w['PB']}/confirm", json={"pin": VENDOR_PIN}, headers=h),
        {"admin"},
    ),
    "reject other stall's account change": (
        lambda c, w, h: c.post(f"/api/v1/accounts/{w['PB']}/reject", json={"pin": VENDOR_PIN}, headers=h),
        {"admin"},
    ),
    "import into own market": (
        lambda c, w, h: c.post(
            "/api/v1/markets/MA/vendors/import", data=CSV.format(n=1).encode(), content_type="text/csv", headers=h
        ),
        {"admin", "market_manager"},
    ),
    "import into other market": (
        lambda c, w, h: c.post(
            "/api/v1/markets/MB/vendors/import",
            data={"file": (io.BytesIO(CSV.format(n=2).encode()), "x.csv")},
            content_type="multipart/form-data",
            headers=h,
        ),
        {"admin"},
    ),
    "create user": (
        lambda c, w, h: c.post(
            "/api/v1/users", json={"username": "newbie", "password": "long-enough-pw", "role": "admin"}, headers=h
        ),
        {"admin"},
    ),
    "list users": (lambda c, w, h: c.get("/api/v1/users", headers=h), {"admin"}),
    "create login for own stall": (
        lambda c, w, h: c.post(
            "/api/v1/users",
            json={"username": "0911222333", "password": "480257", "role": "vendor_assistant", "scope": "MA/VA"},
            headers=h,
        ),
        {"admin", "market_manager"},
    ),
    "create login for other stall": (
        lambda c, w, h: c.post(
            "/api/v1/users",
            json={"username": "0911222333", "password": "480257", "role": "vendor", "scope": "MB/VB"},
            headers=h,
        ),
        {"admin"},
    ),
    # Only those who receive statements reconcile them: not a market's manager (issue 17).
    "reconcile own market's statement": (
        lambda c, w, h: c.post(
            "/api/v1/statements", data=statement_of(w["VA"]), content_type="multipart/form-data", headers=h
        ),
        {"admin", "region_staff"},
    ),
    "reconcile other market's statement": (
        lambda c, w, h: c.post(
            "/api/v1/statements", data=statement_of(w["VB"]), content_type="multipart/form-data", headers=h
        ),
        {"admin"},
    ),
    "record cash at own stall": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VA'].id}/cash-sales", json={"amount": 20_000}, headers=h),
        {"admin", "market_manager", "vendor", "vendor_assistant"},
    ),
    "record cash at other stall": (
        lambda c, w, h: c.post(f"/api/v1/vendors/{w['VB'].id}/cash-sales", json={"amount": 20_000}, headers=h),
        {"admin"},
    ),
    "list reconciliation runs": (
        lambda c, w, h: c.get("/api/v1/reconciliation-runs", headers=h),
        {"admin", "region_staff", "market_manager"},
    ),
    "report on own subtree": (
        lambda c, w, h: c.get("/api/v1/reports/adoption?region=D1&from=2026-11-01&to=2026-11-30", headers=h),
        {"admin", "region_staff"},
    ),
    "report on the province": (
        lambda c, w, h: c.get("/api/v1/reports/adoption?region=P&from=2026-11-01&to=2026-11-30", headers=h),
        {"admin"},
    ),
    "report on own market": (
        lambda c, w, h: c.get("/api/v1/reports/adoption?market=MA&from=2026-11-01&to=2026-11-30", headers=h),
        {"admin", "region_staff", "market_manager"},
    ),
    "report on other market": (
        lambda c, w, h: c.get(
            "/api/v1/reports/adoption?market=MB&from=2026-11-01&to=2026-11-30&format=xlsx", headers=h
        ),
        {"admin"},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_may_do_exactly_what_its_scope_allows(client, world, role, action):
    make_request, allowed = ACTIONS[action]
    response = make_request(client, world, login(role))
    if role in allowed:
        assert 200 <= response.status_code < 300, (role, action, response.get_json())
    else:
        assert response.status_code == 403, (role, action, response.status_code, response.get_json())
        assert response.get_json()["code"] == 403


def test_region_staff_see_the_markets_of_their_subtree_only(client, world):
    items = client.get("/api/v1/markets", headers=login("region_staff")).get_json()["items"]
    assert [m["code"] for m in items] == ["MA"]


def test_manager_sees_only_their_market_in_lists(client, world):
    assert [m["code"] for m in client.get("/api/v1/markets", headers=login("market_manager")).get_json()["items"]] == [
        "MA"
    ]
    stalls = client.get("/api/v1/vendors", headers=login("market_manager")).get_json()["items"]
    assert [v["stall_code"] for v in stalls] == ["VA"]
