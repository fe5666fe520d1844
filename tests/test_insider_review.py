"""Findings of the second-wave insider review (docs/REVIEWS.md section 1) of issues 17 and 18,
each as the test that failed before its fix."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from market_pay.audit.models import AuditLog
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry
from tests.factories import account_data, auth_header, make_run, make_user, make_vendor
from tests.payments.helpers import count, partner_stall, post_sepay, post_simbank, set_partners, simbank_transfer


@pytest.fixture
def stall(app):
    return partner_stall()


# --- 1. a signed callback booked in year 1 or 9999 broke the stall's feed for good -------------------


@pytest.mark.parametrize(
    "booked_at",
    [
        "0001-01-01T00:00:00+07:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59+00:00",
        "1899-12-31T23:00:00+00:00",
    ],
)
def test_a_callback_booked_outside_the_service_s_years_is_kept_as_malformed_and_the_feed_still_reads(
    client, stall, booked_at
):
    account = stall.accounts[0]
    body = simbank_transfer(account, booked_at=booked_at)
    response = post_simbank(client, body)
    assert response.status_code == 200  # authentic: acknowledged so the bank stops retrying
    assert count(BankTransaction, BankTransaction.partner_txn_id == body["transaction_id"]) == 0
    assert count(InboxEntry, InboxEntry.outcome == "malformed") == 1
    vendor_user = make_user("vendor", f"{stall.market.code}/{stall.stall_code}")
    feed = client.get(f"/api/v1/vendors/{stall.id}/payments", headers=auth_header(vendor_user))
    assert feed.status_code == 200 and feed.get_json()["items"] == []


def test_a_sepay_callback_booked_in_year_1_is_kept_as_malformed(client, stall):
    account = stall.accounts[0]
    response = post_sepay(
        client,
        {
            "id": 90001,
            "gateway": "BIDV",
            "transactionDate": "0001-01-01 00:00:00",
            "accountNumber": account.account_number,
            "transferType": "in",
            "transferAmount": 50_000,
            "referenceCode": "FT0001",
            "content": "rau",
        },
    )
    assert response.status_code == 200
    assert count(BankTransaction) == 0
    assert count(InboxEntry, InboxEntry.outcome == "malformed") == 1


# --- 2. the same cash sale undone twice at once: two "successes", two audit rows --------------------


def test_concurrent_undos_of_one_cash_sale_give_one_success_and_one_audit_row(committed):
    """Both databases: ten threads, each its own session. One DELETE decides; the rest are 404."""
    vendor = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])
    db.session.commit()
    headers = auth_header(make_user("vendor", f"{vendor.market.code}/{vendor.stall_code}"))
    client = committed.test_client()
    sale = client.post(f"/api/v1/vendors/{vendor.id}/cash-sales", headers=headers, json={"amount": 15_000})
    assert sale.status_code == 201
    sale_id = sale.get_json()["id"]
    db.session.close()
    barrier = threading.Barrier(10)

    def undo(_):
        worker = committed.test_client()
        barrier.wait()
        return worker.delete(f"/api/v1/cash-sales/{sale_id}", headers=headers).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(undo, range(10)))
    assert statuses == [200] + [404] * 9
    assert count(AuditLog, AuditLog.action == "cash_sale.delete") == 1


# --- 3. four eyes with one pair: the manager resets the vendor's PIN and confirms as the vendor -------


def _sign_in(client, username, secret):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": secret})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_a_manager_who_reset_the_vendor_s_pin_cannot_confirm_their_own_account_change_as_the_vendor(client):
    vendor = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])
    vendor_user = make_user("vendor", f"{vendor.market.code}/{vendor.stall_code}")
    manager = auth_header(make_user("market_manager", vendor.market.code))
    added = client.post(
        f"/api/v1/vendors/{vendor.id}/accounts",
        headers=manager,
        json=account_data("970418", "8877665544", "NGUYEN THI HOA"),
    )
    assert added.status_code == 201 and added.get_json()["status"] == "pending"
    account_id = added.get_json()["id"]
    # The manager learns the vendor's PIN by resetting it, and signs in as the vendor.
    reset = client.post(f"/api/v1/users/{vendor_user.id}/reset-pin", headers=manager)
    assert reset.status_code == 200
    as_vendor = _sign_in(client, vendor_user.username, reset.get_json()["pin"])
    assert (
        client.post(
            "/api/v1/auth/pin", headers=as_vendor, json={"old_pin": reset.get_json()["pin"], "new_pin": "370159"}
        ).status_code
        == 200
    )
    as_vendor = _sign_in(client, vendor_user.username, "370159")
    confirmed = client.post(f"/api/v1/accounts/{account_id}/confirm", headers=as_vendor, json={"pin": "370159"})
    assert confirmed.status_code == 403
    assert client.get(f"/api/v1/vendors/{vendor.id}", headers=manager).status_code == 200
    pending = [
        a
        for a in client.get(f"/api/v1/vendors/{vendor.id}", headers=manager).get_json()["accounts"]
        if a["id"] == account_id
    ]
    assert pending[0]["status"] == "pending"
    # An administrator's approval still carries it out; the vendor may still reject it.
    admin = auth_header(make_user("admin"))
    assert client.post(f"/api/v1/accounts/{account_id}/confirm", headers=admin).status_code == 200


# --- 4. the audit log's day filters in year 1 or 9999 were a 500 -------------------------------------


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31"])
def test_audit_log_days_in_year_1_or_9999_are_422(client, query):
    response = client.get(f"/api/v1/audit-log?{query}", headers=auth_header(make_user("admin")))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) <= {"from", "to"}


def test_the_audit_command_with_a_day_in_year_9999_is_a_clear_error(runner):
    result = runner.invoke(args=["audit", "--to", "9999-12-31"])
    assert result.exit_code == 1 and "to" in result.output, result.output


# --- 5. a statement changed a stall's money, and the stall could not read who did it -------------


def test_a_stall_reads_in_its_audit_log_what_a_statement_changed_on_its_money(client, tmp_path):
    from market_pay.payments.models import BankTransaction as Txn
    from tests.reconciliation.statements import line, write_statement

    set_partners()
    stall = make_vendor(accounts=[account_data("970405", "1234567890", "TRAN VAN BINH")])
    other = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])
    assert (
        post_simbank(
            client,
            simbank_transfer(
                stall.accounts[0],
                70_000,
                transaction_id="SIM-B1",
                bank_reference="FTB1",
                booked_at="2026-11-21T09:00:00+07:00",
            ),
        ).status_code
        == 200
    )
    staff = make_user("region_staff", stall.market.region.code)
    path = write_statement(
        tmp_path / "s.csv",
        [
            (
                "970405",
                "1234567890",
                70_000,
                [
                    line("STB-R1", "FTREV1", "2026-11-21T10:00:00+07:00", 70_000, "out", "HOAN TRA GD FTB1"),
                    line("STB-N1", "FTNEW1", "2026-11-21T11:00:00+07:00", 25_000),
                ],
                None,
            )
        ],
    )
    with open(path, "rb") as handle:
        uploaded = client.post(
            "/api/v1/statements",
            headers=auth_header(staff),
            content_type="multipart/form-data",
            data={"file": (handle, "s.csv"), "partner": "simbank"},
        )
    assert uploaded.status_code == 201, uploaded.get_json()
    assert db.session.scalar(select(Txn.reversed).where(Txn.partner_txn_id == "SIM-B1")) is True
    vendor = auth_header(make_user("vendor", f"{stall.market.code}/{stall.stall_code}"))
    items = [
        item
        for item in client.get("/api/v1/audit-log", headers=vendor).get_json()["items"]
        if item["action"] == "reconcile.stall"
    ]
    assert len(items) == 1
    item = items[0]
    assert item["actor"] == staff.username and item["vendor_id"] == stall.id
    assert item["entity"] == f"reconciliation_run:{uploaded.get_json()['id']}"
    assert item["detail"]["recovered_in"] == {"lines": 1, "amount": 25_000}
    assert item["detail"]["reversals"] == {"lines": 1, "amount": 70_000}
    # The other stall's log has nothing of it; its manager's log has the stall's row.
    other_vendor = auth_header(make_user("vendor", f"{other.market.code}/{other.stall_code}"))
    assert not [
        i
        for i in client.get("/api/v1/audit-log", headers=other_vendor).get_json()["items"]
        if i["action"].startswith("reconcile")
    ]
    manager = auth_header(make_user("market_manager", stall.market.code))
    assert [
        i["vendor_id"]
        for i in client.get("/api/v1/audit-log?action=reconcile.stall", headers=manager).get_json()["items"]
    ] == [stall.id]


def test_the_stall_board_says_an_administrator_must_approve_a_change_whose_requester_reset_the_pin(app, client):
    from market_pay.auth.accounts import reset_pin
    from market_pay.auth.services import hash_password
    from market_pay.stalls.events import FeedHub
    from market_pay.vendors.models import ReceivingAccount
    from market_pay.vendors.services import add_account
    from tests.factories import VENDOR_PIN, scope_of
    from tests.stalls.test_board_pages import csrf_of, sign_in

    app.extensions["market_pay_feed_hub"] = FeedHub(app, poll_seconds=3600)
    vendor = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYỄN THỊ HOA")])
    manager = make_user("market_manager", vendor.market.code)
    pending = add_account(manager, vendor.id, account_data("970422", "7770001112223", "Nguyễn Thị Hoa"))
    vendor_user = make_user("vendor", scope_of(vendor))
    reset_pin(manager, vendor_user.id)
    # ... and the manager, signed in as the vendor with the shown PIN, chose one.
    vendor_user.password_hash, vendor_user.must_change_pin = hash_password(VENDOR_PIN), False
    db.session.commit()
    sign_in(client, vendor_user)
    answer = client.post(
        f"/stall/accounts/{pending.id}/confirm", data={"pin": VENDOR_PIN, "csrf_token": csrf_of(client, "/stall")}
    )
    assert answer.status_code == 302 and "notice=needs_admin" in answer.headers["Location"]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "cần quản trị viên duyệt" in page
    db.session.expire_all()
    assert db.session.get(ReceivingAccount, pending.id).status == "pending"


def test_a_manager_cannot_confirm_their_own_account_change_through_a_vendor_login_they_created(client):
    vendor = make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")])
    manager = auth_header(make_user("market_manager", vendor.market.code))
    added = client.post(
        f"/api/v1/vendors/{vendor.id}/accounts",
        headers=manager,
        json=account_data("970418", "8877665544", "NGUYEN THI HOA"),
    )
    account_id = added.get_json()["id"]
    created = client.post(
        "/api/v1/users",
        headers=manager,
        json={
            "username": "0933444555",
            "password": "370159",
            "role": "vendor",
            "scope": f"{vendor.market.code}/{vendor.stall_code}",
        },
    )
    assert created.status_code == 201
    as_vendor = _sign_in(client, "0933444555", "370159")
    confirmed = client.post(f"/api/v1/accounts/{account_id}/confirm", headers=as_vendor, json={"pin": "370159"})
    assert confirmed.status_code == 403
    # The stall's own vendor (whose login the manager neither created nor reset) still confirms.
    own = make_user("vendor", f"{vendor.market.code}/{vendor.stall_code}")
    from tests.factories import VENDOR_PIN

    confirmed = client.post(
        f"/api/v1/accounts/{account_id}/confirm", headers=auth_header(own), json={"pin": VENDOR_PIN}
    )
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "active"


# --- 6. an account number once registered in my area, now live in another's ---------------------


def test_a_statement_for_an_account_now_live_at_another_area_s_stall_is_refused_whatever_the_row_order(
    client, tmp_path
):
    """A vendor moved from market A to market B with their bank account: A's old registration is
    inactive, B's is live. Region staff of A's area must not reconcile it (nor reverse B's credit
    with it), whichever registration the database happens to return last."""
    from market_pay.payments.models import BankTransaction as Txn
    from market_pay.vendors.models import ReceivingAccount
    from tests.reconciliation.statements import line, write_statement

    set_partners()
    stall_b = make_vendor(accounts=[account_data("970405", "1234567890", "TRAN VAN BINH")])
    stall_a = make_vendor(accounts=[account_data("970436", "0011001234567", "TRAN VAN BINH")])
    # A's old registration of the same account, inactive, written after B's live one.
    db.session.add(
        ReceivingAccount(
            vendor_id=stall_a.id,
            bin="970405",
            account_number="1234567890",
            account_name="TRAN VAN BINH",
            account_name_folded="TRAN VAN BINH",
            active=False,
            status="inactive",
        )
    )
    db.session.commit()
    assert (
        post_simbank(
            client,
            simbank_transfer(
                stall_b.accounts[0],
                70_000,
                transaction_id="SIM-B1",
                bank_reference="FTB1",
                booked_at="2026-11-21T09:00:00+07:00",
            ),
        ).status_code
        == 200
    )
    staff_a = make_user("region_staff", stall_a.market.region.code)
    path = write_statement(
        tmp_path / "s.csv",
        [
            (
                "970405",
                "1234567890",
                70_000,
                [line("STA-R1", "FTATK1", "2026-11-21T10:00:00+07:00", 70_000, "out", "HOAN TRA GD FTB1")],
                None,
            )
        ],
    )
    with open(path, "rb") as handle:
        uploaded = client.post(
            "/api/v1/statements",
            headers=auth_header(staff_a),
            content_type="multipart/form-data",
            data={"file": (handle, "s.csv"), "partner": "simbank"},
        )
    assert uploaded.status_code == 403
    assert db.session.scalar(select(Txn.reversed).where(Txn.partner_txn_id == "SIM-B1")) is False


# --- 7. a stall's row of a run is read by that stall's people, not by every reader of the run ------


def test_a_stall_s_row_of_a_run_is_not_read_through_the_run_by_another_market_s_manager(client):
    from market_pay.audit.services import record_change

    stall_a, stall_b = make_vendor(), make_vendor()
    run = make_run([stall_a.market_id])
    # e.g. a disputed callback still allocated to a stall of market B under an old registration
    record_change(
        None,
        "reconcile.stall",
        "reconciliation_run",
        run.id,
        {"disputed": {"lines": 1, "amount": 5}},
        market_id=stall_b.market_id,
        vendor_id=stall_b.id,
    )
    record_change(None, "reconcile", "reconciliation_run", run.id, {"lines": 1})
    db.session.commit()
    manager_a = auth_header(make_user("market_manager", stall_a.market.code))
    actions = [
        item["action"]
        for item in client.get("/api/v1/audit-log", headers=manager_a).get_json()["items"]
        if item["entity"] == f"reconciliation_run:{run.id}"
    ]
    assert actions == ["reconcile"]
