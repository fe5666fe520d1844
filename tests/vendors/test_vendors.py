"""Vendors (stalls) and their receiving accounts."""

import pytest
from sqlalchemy import func, select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.vendors.models import ReceivingAccount, Vendor
from tests.factories import account_data, auth_header, make_market, make_user, make_vendor

pytestmark = pytest.mark.usefixtures("app")


def vendor_body(market, **overrides):
    body = {
        "market_code": market.code,
        "stall_code": "A-01",
        "display_name": "Rau sạch bà Hoà",
        "legal_name": "Đặng Thị Hoà",
        "phone": "0912 345 678",
        "floor_amount": 1000,
        "accounts": [
            {"bin": "970405", "account_number": "1234567890", "account_name": "Đặng Thị Hoà"},
            {"bin": "970422", "account_number": "0352350917", "account_name": "DANG THI HOA"},
        ],
    }
    if overrides.get("accounts") and "legal_name" not in overrides:  # the holder of the given accounts
        overrides["legal_name"] = overrides["accounts"][0].get("account_name") or "X"
    body.update(overrides)
    return body


def test_manager_registers_a_stall_with_two_accounts_that_wait_for_the_vendor(client):
    market = make_market()
    response = client.post(
        "/api/v1/vendors", json=vendor_body(market), headers=auth_header(make_user("market_manager", scope=market.code))
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["market_code"] == market.code and body["stall_code"] == "A-01"
    assert body["status"] == "active" and body["phone"] == "0912345678" and body["floor_amount"] == 1000
    assert body["legal_name"] == "Đặng Thị Hoà"
    assert [
        (a["bank"], a["account_number"], a["account_name"], a["active"], a["status"]) for a in body["accounts"]
    ] == [
        ("Agribank", "1234567890", "Đặng Thị Hoà", False, "pending"),
        ("MBBank", "0352350917", "DANG THI HOA", False, "pending"),
    ]
    assert all(isinstance(a["id"], int) for a in body["accounts"])


def test_account_name_is_stored_as_given_with_a_folded_form_for_qr_and_matching(client):
    market = make_market()
    client.post("/api/v1/vendors", json=vendor_body(market), headers=auth_header(make_user("admin")))
    account = db.session.scalar(select(ReceivingAccount).where(ReceivingAccount.account_number == "1234567890"))
    assert account.account_name == "Đặng Thị Hoà"
    assert account.account_name_folded == "DANG THI HOA"


def test_stall_codes_are_unique_within_a_market_only(client):
    first, second = make_market(), make_market()
    headers = auth_header(make_user("admin"))
    assert client.post("/api/v1/vendors", json=vendor_body(first), headers=headers).status_code == 201
    again = client.post("/api/v1/vendors", json=vendor_body(first, accounts=[account_data()]), headers=headers)
    assert again.status_code == 409 and "stall_code" in again.get_json()["errors"]
    elsewhere = client.post("/api/v1/vendors", json=vendor_body(second, accounts=[account_data()]), headers=headers)
    assert elsewhere.status_code == 201


def test_an_active_account_belongs_to_one_stall_only_and_the_refusal_names_no_stall(client):
    taken = make_vendor(accounts=[account_data("970405", "5555")])
    response = client.post(
        "/api/v1/vendors",
        headers=auth_header(make_user("admin")),
        json=vendor_body(make_market(), accounts=[account_data("970405", "5555")]),
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)  # finding 8: it named the other market's stall
    assert taken.stall_code not in text and taken.market.code not in text and taken.market.name not in text
    assert db.session.scalar(select(func.count(Vendor.id))) == 1


def test_a_deactivated_account_can_be_registered_to_another_stall(client):
    old = make_vendor(accounts=[account_data("970405", "5555"), account_data()])
    headers = auth_header(make_user("admin"))
    account_id = old.accounts[0].id
    response = client.post(f"/api/v1/vendors/{old.id}/accounts/{account_id}/deactivate", headers=headers)
    assert response.status_code == 200 and response.get_json()["active"] is False
    new = client.post(
        "/api/v1/vendors", headers=headers, json=vendor_body(make_market(), accounts=[account_data("970405", "5555")])
    )
    assert new.status_code == 201


def test_the_database_itself_refuses_a_second_active_owner():
    from sqlalchemy.exc import IntegrityError

    vendor = make_vendor(accounts=[account_data("970405", "7777")])
    other = make_vendor()
    db.session.add(
        ReceivingAccount(
            vendor_id=other.id,
            bin="970405",
            account_number="7777",
            account_name="X",
            account_name_folded="X",
            active=True,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert vendor.id


@pytest.mark.parametrize(
    "accounts, field",
    [
        ([], "accounts"),
        ([{"bin": "123456", "account_number": "1", "account_name": "A"}], "bin"),
        ([{"bin": "970405", "account_number": "12 34", "account_name": "A"}], "account_number"),
        ([{"bin": "970405", "account_number": "1" * 20, "account_name": "A"}], "account_number"),
        ([{"bin": "970405", "account_number": "1", "account_name": ""}], "account_name"),
        ([{"bin": "970405", "account_number": "1", "account_name": "A", "extra": 1}], "extra"),
    ],
)
def test_bad_accounts_are_422_naming_the_field(client, accounts, field):
    response = client.post(
        "/api/v1/vendors", json=vendor_body(make_market(), accounts=accounts), headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])


def test_the_same_account_twice_in_one_request_is_422(client):
    twice = [account_data("970405", "42"), account_data("970405", "42")]
    response = client.post(
        "/api/v1/vendors", json=vendor_body(make_market(), accounts=twice), headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 422 and "accounts" in response.get_json()["errors"]


def test_vendor_list_pages_through_a_market(client):
    market = make_market()
    for n in range(7):
        make_vendor(market, stall_code=f"A-{n:02d}")
    make_vendor()  # another market
    headers = auth_header(make_user("market_manager", scope=market.code))
    seen, cursor = [], None
    while True:
        url = f"/api/v1/vendors?market_code={market.code}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).get_json()
        seen += [v["stall_code"] for v in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [f"A-{n:02d}" for n in range(7)]


def test_suspend_and_reactivate_are_audited(client):
    vendor = make_vendor()
    headers = auth_header(make_user("market_manager", scope=vendor.market.code))
    suspended = client.post(f"/api/v1/vendors/{vendor.id}/suspend", json={"reason": "bỏ sạp"}, headers=headers)
    assert suspended.get_json()["status"] == "suspended"
    listed = client.get("/api/v1/vendors?status=suspended", headers=headers).get_json()["items"]
    assert [v["id"] for v in listed] == [vendor.id]
    assert client.post(f"/api/v1/vendors/{vendor.id}/reactivate", headers=headers).get_json()["status"] == "active"
    actions = db.session.scalars(
        select(AuditLog.action)
        .where(AuditLog.entity_type == "vendor", AuditLog.entity_id == str(vendor.id))
        .order_by(AuditLog.id)
    ).all()  # no ORDER BY, no order on PostgreSQL
    assert actions == ["vendor.create", "vendor.suspend", "vendor.reactivate"]


def test_a_suspension_says_why_and_a_reactivation_need_not(client):
    vendor = make_vendor()
    headers = auth_header(make_user("market_manager", scope=vendor.market.code))
    url = f"/api/v1/vendors/{vendor.id}/suspend"
    for refused in (
        client.post(url, headers=headers),  # no body
        client.post(url, json={}, headers=headers),
        client.post(url, json={"reason": "   "}, headers=headers),
    ):
        assert refused.status_code == 422 and "reason" in refused.get_json()["errors"], refused.get_json()
    # Scope first: another market's manager learns nothing of the missing reason.
    other = auth_header(make_user("market_manager", scope=make_market().code))
    assert client.post(url, headers=other).status_code == 403
    assert db.session.get(Vendor, vendor.id).status == "active"
    assert client.post(url, json={"reason": "nợ phí chợ"}, headers=headers).status_code == 200
    reactivated = client.post(f"/api/v1/vendors/{vendor.id}/reactivate", headers=headers)
    assert reactivated.status_code == 200 and reactivated.get_json()["status"] == "active"
    reasons = db.session.scalars(
        select(AuditLog.details).where(AuditLog.entity_id == str(vendor.id), AuditLog.action == "vendor.suspend")
    ).all()
    assert reasons == [{"reason": "nợ phí chợ"}]


def test_edit_a_stall(client):
    vendor = make_vendor()
    response = client.patch(
        f"/api/v1/vendors/{vendor.id}",
        json={"display_name": "Thịt lợn", "floor_amount": None, "phone": "+84987654321"},
        headers=auth_header(make_user("admin")),
    )
    body = response.get_json()
    assert response.status_code == 200
    assert (body["display_name"], body["floor_amount"], body["phone"]) == ("Thịt lợn", None, "0987654321")


def test_renaming_a_stall_onto_a_taken_code_is_409(client):
    market = make_market()
    make_vendor(market, stall_code="A-01")
    second = make_vendor(market, stall_code="A-02")
    response = client.patch(
        f"/api/v1/vendors/{second.id}", json={"stall_code": "A-01"}, headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 409


def test_add_an_account_to_a_stall(client):
    vendor = make_vendor()
    response = client.post(
        f"/api/v1/vendors/{vendor.id}/accounts",
        headers=auth_header(make_user("admin")),
        json={"bin": "970436", "account_number": "0011001234567", "account_name": "Nguyễn Thị Hoa"},
    )
    assert response.status_code == 201
    assert response.get_json()["bank"] == "Vietcombank" and response.get_json()["status"] == "active"
    accounts = client.get(f"/api/v1/vendors/{vendor.id}", headers=auth_header(make_user("admin"))).get_json()[
        "accounts"
    ]
    assert len(accounts) == 2


def test_deactivating_another_vendors_account_is_404(client):
    vendor, other = make_vendor(), make_vendor()
    response = client.post(
        f"/api/v1/vendors/{vendor.id}/accounts/{other.accounts[0].id}/deactivate",
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 404


def test_vendor_sees_only_their_own_stall(client):
    vendor, other = make_vendor(), make_vendor()
    headers = auth_header(make_user("vendor", scope=f"{vendor.market.code}/{vendor.stall_code}"))
    assert client.get(f"/api/v1/vendors/{vendor.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/vendors/{other.id}", headers=headers).status_code == 403
    assert [v["id"] for v in client.get("/api/v1/vendors", headers=headers).get_json()["items"]] == [vendor.id]
