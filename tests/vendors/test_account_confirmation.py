"""Four eyes on receiving accounts (issue 17, findings 4, 5 and 8): a change by anyone but an
administrator waits for the vendor's PIN, and until then moves no money anywhere."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.kits.services import stall_cards
from market_pay.payments.models import BankTransaction, SuspenseItem
from market_pay.vendors.models import ReceivingAccount
from market_pay.vietqr.codec import build
from tests.factories import VENDOR_PIN, account_data, auth_header, make_market, make_user, make_vendor, scope_of
from tests.payments.helpers import post_payos, post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")

HOLDER = "NGUYỄN THỊ HOA"


@pytest.fixture
def stall():
    set_partners()
    return make_vendor(accounts=[account_data("970436", "0011001234567", HOLDER)])


@pytest.fixture
def manager(stall):
    return auth_header(make_user("market_manager", stall.market.code))


@pytest.fixture
def vendor(stall):
    return auth_header(make_user("vendor", scope_of(stall)))


def redirect(client, stall, manager, number="7770001112223", bin_code="970422"):
    """Finding 4: the manager adds an account and deactivates the stall's old one."""
    added = client.post(
        f"/api/v1/vendors/{stall.id}/accounts", headers=manager, json=account_data(bin_code, number, "Nguyễn Thị Hoa")
    )
    assert added.status_code == 201, added.get_json()
    old = client.post(f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[0].id}/deactivate", headers=manager)
    assert old.status_code == 200
    return added.get_json(), old.get_json()


def where_money_goes(client, stall, vendor) -> dict:
    request = client.post(f"/api/v1/vendors/{stall.id}/payment-requests", headers=vendor, json={"amount": 30_000})
    codes = client.get(f"/api/v1/vendors/{stall.id}/qr", headers=vendor).get_json()["items"]
    _, cards = stall_cards(None, stall.id)
    return {
        "request": db.session.get(ReceivingAccount, request.get_json()["account_id"]).account_number,
        "codes": [code["account_number"] for code in codes],
        "kit": [card.account_number for card in cards],
    }


def test_a_managers_new_account_waits_for_the_vendor_and_moves_no_money_until_confirmed(client, stall, manager, vendor):
    added, old = redirect(client, stall, manager)
    assert (added["status"], added["active"], added["pending_change"]) == ("pending", False, "add")
    assert added["requested_by"] and added["requested_at"]
    # Deactivating the stall's last live account is itself a request: the stall keeps receiving.
    assert (old["status"], old["active"], old["pending_change"]) == ("active", True, "deactivate")
    old_number = "0011001234567"
    assert where_money_goes(client, stall, vendor) == {
        "request": old_number,
        "codes": [old_number],
        "kit": [old_number],
    }
    verify = client.get("/api/v1/verify", query_string={"payload": build("970422", "7770001112223")}).get_json()
    assert verify["genuine"] is False and verify["status"] == "unknown_account"
    assert client.get("/api/v1/verify", query_string={"payload": build("970436", old_number)}).get_json()["genuine"]
    assert client.get(f"/api/v1/accounts/{added['id']}/qr.png", headers=vendor).status_code == 404

    confirm = client.post(f"/api/v1/accounts/{added['id']}/confirm", headers=vendor, json={"pin": VENDOR_PIN})
    assert confirm.status_code == 200 and confirm.get_json()["status"] == "active"
    retire = client.post(f"/api/v1/accounts/{old['id']}/confirm", headers=vendor, json={"pin": VENDOR_PIN})
    assert retire.status_code == 200 and retire.get_json()["status"] == "inactive"
    assert where_money_goes(client, stall, vendor) == {
        "request": "7770001112223",
        "codes": ["7770001112223"],
        "kit": ["7770001112223"],
    }
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity_type == "receiving_account").order_by(AuditLog.id)
    ).all()
    assert actions == ["account.add", "account.request_deactivate", "account.confirm", "account.confirm"]


def test_a_credit_to_a_pending_account_goes_to_suspense_never_to_the_stall(client, stall, manager):
    added, _ = redirect(client, stall, manager)
    pending = db.session.get(ReceivingAccount, added["id"])
    assert post_simbank(client, simbank_transfer(pending, 40_000)).status_code == 200
    txn = db.session.scalar(select(BankTransaction))
    assert txn.vendor_id is None and txn.match_kind == "suspense"
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "inactive_account" and "confirmation" in item.detail
    assert item.market_id == stall.market_id


def test_the_vendor_confirms_only_with_the_right_pin_and_guessing_is_throttled(client, stall, manager, vendor):
    added, _ = redirect(client, stall, manager)
    url = f"/api/v1/accounts/{added['id']}/confirm"
    assert client.post(url, headers=vendor).status_code == 422  # the PIN is required
    wrong = client.post(url, headers=vendor, json={"pin": "000000"})
    assert wrong.status_code == 403 and "pin" in wrong.get_json()["errors"]
    for _ in range(4):
        client.post(url, headers=vendor, json={"pin": "000000"})
    assert client.post(url, headers=vendor, json={"pin": VENDOR_PIN}).status_code == 429
    assert db.session.get(ReceivingAccount, added["id"]).status == "pending"


def test_only_the_stalls_vendor_or_an_admin_confirms(client, stall, manager):
    added, _ = redirect(client, stall, manager)
    url = f"/api/v1/accounts/{added['id']}/confirm"
    other = make_vendor(accounts=[account_data("970405", "5550001112223", "TRẦN VĂN BÌNH")])
    for role, scope in (
        ("vendor_assistant", scope_of(stall)),
        ("vendor", scope_of(other)),
        ("market_manager", stall.market.code),
        ("market_manager", other.market.code),
    ):
        response = client.post(url, headers=auth_header(make_user(role, scope)), json={"pin": VENDOR_PIN})
        assert response.status_code == 403, (role, scope)
    assert client.post(url, headers=auth_header(make_user("admin"))).get_json()["status"] == "active"
    assert client.post(url, headers=auth_header(make_user("admin"))).status_code == 409  # nothing left to confirm


def test_the_vendor_rejects_and_the_stall_keeps_its_account(client, stall, manager, vendor):
    added, old = redirect(client, stall, manager)
    assert (
        client.post(f"/api/v1/accounts/{added['id']}/reject", headers=vendor, json={"pin": "999999"}).status_code == 403
    )
    rejected = client.post(f"/api/v1/accounts/{added['id']}/reject", headers=vendor, json={"pin": VENDOR_PIN})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    kept = client.post(f"/api/v1/accounts/{old['id']}/reject", headers=vendor, json={"pin": VENDOR_PIN})
    assert kept.get_json()["status"] == "active" and kept.get_json()["pending_change"] is None
    assert where_money_goes(client, stall, vendor)["codes"] == ["0011001234567"]
    # A rejected number is free again.
    again = client.post(
        f"/api/v1/vendors/{stall.id}/accounts", headers=manager, json=account_data("970422", "7770001112223", HOLDER)
    )
    assert again.status_code == 201


def test_the_manager_may_withdraw_their_request_but_not_another_markets(client, stall, manager):
    added, _ = redirect(client, stall, manager)
    outsider = auth_header(make_user("market_manager", make_market().code))
    assert client.post(f"/api/v1/accounts/{added['id']}/reject", headers=outsider).status_code == 403
    withdrawn = client.post(f"/api/v1/accounts/{added['id']}/reject", headers=manager)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "rejected"


def test_an_admins_changes_take_effect_at_once(client, stall):
    admin = auth_header(make_user("admin"))
    added = client.post(
        f"/api/v1/vendors/{stall.id}/accounts", headers=admin, json=account_data("970422", "7770001112223", HOLDER)
    ).get_json()
    assert added["status"] == "active" and added["pending_change"] is None
    old = client.post(f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[0].id}/deactivate", headers=admin)
    assert old.get_json()["status"] == "inactive"


def test_a_manager_deactivates_at_once_while_another_confirmed_account_stays_live(client, manager, stall):
    stall = make_vendor(
        stall.market, accounts=[account_data("970436", "11", HOLDER), account_data("970422", "22", HOLDER)]
    )
    response = client.post(f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[0].id}/deactivate", headers=manager)
    assert response.get_json()["status"] == "inactive"
    last = client.post(f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[1].id}/deactivate", headers=manager)
    assert last.get_json()["status"] == "active" and last.get_json()["pending_change"] == "deactivate"
    again = client.post(f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[1].id}/deactivate", headers=manager)
    assert again.get_json()["pending_change"] == "deactivate"
    admin = client.post(
        f"/api/v1/vendors/{stall.id}/accounts/{stall.accounts[1].id}/deactivate",
        headers=auth_header(make_user("admin")),
    )
    assert admin.get_json()["status"] == "inactive" and admin.get_json()["pending_change"] is None


def test_an_account_in_another_name_than_the_vendors_legal_name_is_refused(client, stall, manager):
    response = client.post(
        f"/api/v1/vendors/{stall.id}/accounts",
        headers=auth_header(make_user("admin")),
        json=account_data("970422", "7770001112223", "TRAN VAN KHAC"),
    )
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["account_name"]
    folded = client.post(
        f"/api/v1/vendors/{stall.id}/accounts",
        headers=manager,
        json=account_data("970422", "7770001112223", "  nguyen thi   HOA "),
    )
    assert folded.status_code == 201


def test_only_an_admin_corrects_the_legal_name(client, stall, manager):
    assert (
        client.patch(f"/api/v1/vendors/{stall.id}", headers=manager, json={"legal_name": "TRAN VAN KHAC"}).status_code
        == 403
    )
    response = client.patch(
        f"/api/v1/vendors/{stall.id}", headers=auth_header(make_user("admin")), json={"legal_name": "Trần Văn Khắc"}
    )
    assert response.status_code == 200 and response.get_json()["legal_name"] == "Trần Văn Khắc"


def test_the_api_requires_the_legal_name_of_a_new_vendor(client):
    market = make_market()
    body = {
        "market_code": market.code,
        "stall_code": "A-01",
        "display_name": "Rau",
        "phone": "0912345678",
        "accounts": [account_data()],
    }
    response = client.post("/api/v1/vendors", headers=auth_header(make_user("admin")), json=body)
    assert response.status_code == 422 and "legal_name" in response.get_json()["errors"]


@pytest.mark.parametrize("status", ["active", "pending"])
def test_a_number_live_or_pending_at_another_stall_under_any_bin_is_refused_without_naming_it(client, stall, status):
    far = make_market(name="Chợ Xa")
    if status == "pending":
        stall.accounts[0].set_status("pending")
        stall.accounts[0].pending_change = "add"
        db.session.commit()
    response = client.post(
        "/api/v1/vendors",
        headers=auth_header(make_user("market_manager", far.code)),
        json={
            "market_code": far.code,
            "stall_code": "X-1",
            "display_name": "Khác",
            "legal_name": "LE VAN C",
            "phone": "0912345678",
            "accounts": [account_data("970405", "0011001234567", "LE VAN C")],
        },
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)  # finding 8
    for private in (stall.stall_code, stall.market.code, stall.market.name):
        assert private not in text


def test_finding_5_another_bin_elsewhere_cannot_divert_bin_less_partner_credits(client, stall):
    """Before: registering the stall's number under another BIN at another market made every payOS
    (BIN-less) credit ambiguous and sent it to suspense. Now that registration is refused, and a
    former (rejected/inactive) row under another BIN never competes with the live one."""
    far = make_market()
    headers = auth_header(make_user("admin"))
    refused = client.post(
        "/api/v1/vendors",
        headers=headers,
        json={
            "market_code": far.code,
            "stall_code": "X-1",
            "display_name": "Khác",
            "legal_name": "LE VAN C",
            "phone": "0912345678",
            "accounts": [account_data("970405", "0011001234567", "LE VAN C")],
        },
    )
    assert refused.status_code == 409
    other = make_vendor(far, accounts=[account_data("970405", "9990001112223", "LE VAN C")])
    former = ReceivingAccount(
        vendor_id=other.id,
        bin="970405",
        account_number="0011001234567",
        account_name="LE VAN C",
        account_name_folded="LE VAN C",
    )
    former.set_status("rejected")
    db.session.add(former)
    db.session.commit()
    data = {
        "orderCode": 5,
        "amount": 45_000,
        "description": "thanh toan",
        "accountNumber": "0011001234567",
        "reference": "FT-PAYOS-9",
        "transactionDateTime": "2026-11-22 11:00:00",
        "currency": "VND",
        "paymentLinkId": "link-9",
        "code": "00",
        "desc": "success",
        "counterAccountName": "LE VAN D",
        "counterAccountNumber": "123",
        "counterAccountBankId": "970415",
        "counterAccountBankName": "",
        "virtualAccountName": "",
        "virtualAccountNumber": "",
    }
    assert post_payos(client, data).status_code == 200
    txn = db.session.scalar(select(BankTransaction))
    assert txn.bin is None and txn.vendor_id == stall.id and txn.receiving_account_id == stall.accounts[0].id


def test_the_database_refuses_a_second_live_or_pending_row_for_one_number_under_another_bin(stall):
    other = make_vendor(accounts=[account_data("970405", "5550001112223", "TRẦN VĂN BÌNH")])
    twin = ReceivingAccount(
        vendor_id=other.id, bin="970405", account_number="0011001234567", account_name="X", account_name_folded="X"
    )
    twin.set_status("pending")
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_live_flag_can_never_disagree_with_the_status(stall):
    account = db.session.get(ReceivingAccount, stall.accounts[0].id)
    account.status = "pending"  # bypassing set_status: the check constraint stops it
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_managers_csv_import_waits_for_the_vendors_and_checks_the_legal_name(client):
    market = make_market()
    headers = {**auth_header(make_user("market_manager", market.code)), "Content-Type": "text/csv"}
    header = "stall_code,display_name,legal_name,phone,floor_amount,bin,account_number,account_name\n"
    bad = header + "A-01,Rau,Nguyễn Thị Hoa,0912345678,,970405,1111111111,TRAN VAN B\n"
    response = client.post(f"/api/v1/markets/{market.code}/vendors/import", headers=headers, data=bad.encode())
    assert response.status_code == 422 and "account_name" in response.get_json()["errors"]["row 2"]
    good = header + "A-01,Rau,Nguyễn Thị Hoa,0912345678,,970405,1111111111,NGUYEN THI HOA\n"
    response = client.post(f"/api/v1/markets/{market.code}/vendors/import", headers=headers, data=good.encode())
    assert response.status_code == 201
    account = db.session.scalar(select(ReceivingAccount).where(ReceivingAccount.account_number == "1111111111"))
    assert account.status == "pending" and account.vendor.legal_name == "Nguyễn Thị Hoa"


def test_a_stall_whose_only_account_waits_for_the_vendor_has_no_live_qr_in_reports(client):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from market_pay.reports.figure_queries import registry
    from market_pay.reports.periods import Period

    market = make_market()
    manager = auth_header(make_user("market_manager", market.code))
    body = {
        "market_code": market.code,
        "stall_code": "P-1",
        "display_name": "Chờ",
        "legal_name": HOLDER,
        "phone": "0912345678",
        "accounts": [account_data("970405", "4440001112223", HOLDER)],
    }
    assert client.post("/api/v1/vendors", headers=manager, json=body).status_code == 201
    make_vendor(market, accounts=[account_data("970405", "4440001112224", HOLDER)])
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert registry([market.id], Period(today - timedelta(days=1), today + timedelta(days=1))) == {market.id: (2, 1)}


def test_money_to_a_rejected_account_is_unknown_and_not_shown_to_its_market(client, stall, manager, vendor):
    added, _ = redirect(client, stall, manager)
    client.post(f"/api/v1/accounts/{added['id']}/reject", headers=vendor, json={"pin": VENDOR_PIN})
    rejected = db.session.get(ReceivingAccount, added["id"])
    assert post_simbank(client, simbank_transfer(rejected, 40_000)).status_code == 200
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "unknown_account" and item.market_id is None
