"""Bank callbacks end to end over HTTP: verify, store, record once, allocate, answer."""

import json

import pytest
from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry, SuspenseItem
from tests.factories import account_data, make_vendor
from tests.payments.helpers import SEPAY_KEY, post_payos, post_sepay, post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def stall(app):
    set_partners()
    return make_vendor(accounts=[account_data("970436", "0011001234567", "NGUYEN THI HOA")], floor_amount=1000)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_static_qr_sale_is_credited_to_the_stall(client, stall):
    response = post_simbank(client, simbank_transfer(stall.accounts[0], 75_000))
    assert response.status_code == 200 and response.get_json() == {"status": "accepted"}
    txn = db.session.scalar(select(BankTransaction))
    assert (txn.vendor_id, txn.match_kind, txn.amount, txn.feed_seq) == (stall.id, "static", 75_000, 1)
    assert txn.confirmation == "provisional"
    entry = db.session.scalar(select(InboxEntry))
    assert entry.outcome == "accepted" and entry.transaction_id == txn.id and '"amount": 75000' in entry.body


def test_a_duplicate_is_acknowledged_and_changes_nothing(client, stall):
    body = simbank_transfer(stall.accounts[0])
    assert post_simbank(client, body).get_json() == {"status": "accepted"}
    again = post_simbank(client, body)
    assert again.status_code == 200 and again.get_json() == {"status": "duplicate"}
    assert count(BankTransaction) == 1
    assert [e.outcome for e in db.session.scalars(select(InboxEntry).order_by(InboxEntry.id))] == [
        "accepted",
        "duplicate",
    ]


def test_the_same_money_from_two_partners_is_recorded_once(client, stall):
    body = simbank_transfer(stall.accounts[0], 20_000)
    post_simbank(client, body)
    sepay = {
        "id": 9001,
        "gateway": "Vietcombank",
        "transactionDate": "2026-11-22 09:15:00",
        "accountNumber": "0011001234567",
        "subAccount": None,
        "code": None,
        "content": "chuyen tien",
        "transferType": "in",
        "transferAmount": 20_000,
        "accumulated": 0,
        "referenceCode": body["bank_reference"],
        "description": "BankAPINotify chuyen tien",
    }
    response = post_sepay(client, sepay)
    assert response.status_code == 200 and response.get_json() == {"success": True}
    assert count(BankTransaction) == 1


@pytest.mark.parametrize("tamper", ["signature", "stale", "future", "missing"])
def test_bad_signatures_are_401_kept_for_forensics_and_never_money(client, stall, tamper):
    body = simbank_transfer(stall.accounts[0])
    raw = json.dumps(body).encode()
    if tamper == "signature":
        response = post_simbank(client, body, secret="not-the-secret")
    elif tamper in ("stale", "future"):
        import time

        response = post_simbank(client, body, timestamp=time.time() + (-400 if tamper == "stale" else 400))
    else:
        response = client.post("/api/v1/callbacks/simbank", data=raw, content_type="application/json")
    assert response.status_code == 401 and response.get_json()["status"] == "rejected"
    assert count(BankTransaction) == 0
    entry = db.session.scalar(select(InboxEntry))
    assert entry.outcome == "rejected" and entry.reason


def test_unknown_partner_is_404(client, stall):
    response = client.post("/api/v1/callbacks/acmebank", data=b"{}", content_type="application/json")
    assert response.status_code == 404 and response.get_json()["code"] == 404


def test_an_unknown_account_goes_to_suspense_with_the_reason(client, stall):
    response = post_simbank(client, simbank_transfer(stall.accounts[0], account_number="999999999"))
    assert response.status_code == 200
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "unknown_account" and item.transaction.vendor_id is None and item.market_id is None


def test_a_deactivated_account_goes_to_suspense_for_its_market(client, stall):
    stall.accounts[0].set_status("inactive")
    db.session.commit()
    post_simbank(client, simbank_transfer(stall.accounts[0]))
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "inactive_account" and item.market_id == stall.market_id


@pytest.mark.parametrize(
    "change",
    [
        {"amount": -5},
        {"amount": "50000"},
        {"direction": "sideways"},
        {"booked_at": "yesterday"},
        {"bin": "12"},
        {"account_number": ""},
        {"transaction_id": None},
    ],
)
def test_malformed_but_signed_content_is_stored_acknowledged_and_put_in_suspense(client, stall, change):
    response = post_simbank(client, simbank_transfer(stall.accounts[0], **change))
    assert response.status_code == 200
    assert count(BankTransaction) == 0
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "malformed" and item.inbox_entry.outcome == "malformed"


def test_a_redelivered_malformed_body_is_filed_once(client, stall):
    raw = b'{"transaction_id": "X", "amount": "lots"}'
    post_simbank(client, None, raw=raw)
    post_simbank(client, None, raw=raw)
    assert count(SuspenseItem) == 1 and count(InboxEntry) == 2


def test_a_body_that_is_not_json_from_a_signed_partner_is_malformed_not_an_error(client, stall):
    response = post_simbank(client, None, raw=b"\xff\xfe not json")
    assert response.status_code == 200
    assert db.session.scalar(select(SuspenseItem.reason)) == "malformed"


def test_below_floor_credits_are_flagged(client, stall):
    post_simbank(client, simbank_transfer(stall.accounts[0], 200))
    assert db.session.scalar(select(BankTransaction.below_floor)) is True


def test_sepay_api_key_mode_and_sub_accounts(client, stall):
    body = {
        "id": 77,
        "gateway": "MBBank",
        "transactionDate": "2026-11-22 10:00:00",
        "accountNumber": "0000",
        "subAccount": "0011001234567",
        "content": "mua rau",
        "transferType": "in",
        "transferAmount": 30_000,
        "referenceCode": "MB123",
        "accumulated": 0,
    }
    stall_account = stall.accounts[0]
    stall_account.bin = "970422"  # the sub-account sits at MB in this case
    db.session.commit()
    response = post_sepay(client, body, api_key=SEPAY_KEY)
    assert response.status_code == 200 and response.get_json() == {"success": True}
    txn = db.session.scalar(select(BankTransaction))
    assert txn.vendor_id == stall.id and txn.bin == "970422"
    assert db.session.scalar(select(InboxEntry.auth_header)) == "Apikey [redacted]"
    bad = post_sepay(client, {**body, "id": 78}, api_key="wrong-key")
    assert bad.status_code == 401 and bad.get_json()["success"] is False


def test_payos_delivery_is_verified_and_credited(client, stall):
    data = {
        "orderCode": 5,
        "amount": 45_000,
        "description": "thanh toan",
        "accountNumber": "0011001234567",
        "reference": "FT-PAYOS-1",
        "transactionDateTime": "2026-11-22 11:00:00",
        "currency": "VND",
        "paymentLinkId": "link-1",
        "code": "00",
        "desc": "success",
        "counterAccountName": "LE VAN C",
        "counterAccountNumber": "123",
        "counterAccountBankId": "970415",
        "counterAccountBankName": "",
        "virtualAccountName": "",
        "virtualAccountNumber": "",
        "someFutureField": "ok",
    }
    response = post_payos(client, data)
    assert response.status_code == 200 and response.get_json() == {"success": True}
    txn = db.session.scalar(select(BankTransaction))
    assert (txn.vendor_id, txn.amount, txn.payer_name) == (stall.id, 45_000, "LE VAN C")
    assert post_payos(client, data, key="wrong-key").status_code == 401


def test_payos_test_delivery_is_acknowledged_kept_in_the_inbox_and_is_no_money(client, stall):
    data = {
        "orderCode": 123,
        "amount": 3000,
        "description": "VQRIO123",
        "accountNumber": "12345678",
        "reference": "TF230204212323",
        "transactionDateTime": "2023-02-04 18:25:00",
        "currency": "VND",
        "paymentLinkId": "124c33293c43417ab7879e14c8d9eb18",
        "code": "00",
        "desc": "Thành công",
    }
    response = post_payos(client, data)
    assert response.status_code == 200 and response.get_json() == {"success": True}
    assert count(BankTransaction) == 0 and count(SuspenseItem) == 0
    entry = db.session.scalar(select(InboxEntry))
    assert entry.outcome == "test" and entry.partner == "payos" and "124c33293c43417ab7879e14c8d9eb18" in entry.body


def test_a_partner_without_credentials_is_refused(client, app):
    response = client.post("/api/v1/callbacks/payos", json={"data": {}, "signature": "x"})
    assert response.status_code == 401


@pytest.mark.parametrize("raw", [b"", b"[]", b"null", b"{" * 1000, "\u0000".encode()])
def test_junk_bodies_never_cause_a_server_error(client, stall, raw):
    for partner in ("simbank", "sepay", "payos"):
        response = client.post(f"/api/v1/callbacks/{partner}", data=raw, content_type="application/json")
        assert response.status_code == 401, (partner, raw)
    signed = post_simbank(client, None, raw=raw)
    assert signed.status_code == 200


def test_a_duplicate_delivery_is_linked_to_the_transaction_it_repeats(client, stall):
    body = simbank_transfer(stall.accounts[0])
    post_simbank(client, body)
    post_simbank(client, body)
    txn_id = db.session.scalar(select(BankTransaction.id))
    assert db.session.scalars(select(InboxEntry.transaction_id)).all() == [txn_id, txn_id]


def test_every_answer_is_the_json_the_app_would_write_and_a_refusal_says_its_own_reason(client, app, stall):
    """The constant answers are serialised once per app (callbacks_api.py): the bytes must still
    be what the app's JSON provider writes for them, each answer its own."""
    body = simbank_transfer(stall.accounts[0])
    accepted, duplicate = post_simbank(client, body), post_simbank(client, body)
    assert accepted.data == app.json.response({"status": "accepted"}).data
    assert duplicate.data == app.json.response({"status": "duplicate"}).data
    assert accepted.mimetype == duplicate.mimetype == "application/json"
    assert (accepted.status_code, duplicate.status_code) == (200, 200)
    stale = post_simbank(client, simbank_transfer(stall.accounts[0], 30_000), timestamp=1)
    wrong = client.post(
        "/api/v1/callbacks/simbank",
        data=json.dumps(simbank_transfer(stall.accounts[0], 40_000)),
        content_type="application/json",
    )
    assert stale.status_code == wrong.status_code == 401
    assert stale.get_json()["reason"] != wrong.get_json()["reason"]


def test_the_statement_parameters_name_every_field_of_a_transfer():
    """callbacks._transfer_values spells the columns out (for speed): a field added to
    IncomingTransfer must not be forgotten there. `reverses` is passed as reverses_txn_id."""
    import dataclasses
    from datetime import UTC, datetime

    from market_pay.payments.callbacks import _transfer_values
    from market_pay.payments.partner_formats import IncomingTransfer

    values = {f.name: f"value of {f.name}" for f in dataclasses.fields(IncomingTransfer)}
    values.update(amount=1000, booked_at=datetime(2026, 11, 22, tzinfo=UTC))
    transfer = IncomingTransfer(**values)
    assert _transfer_values(transfer) == {name: value for name, value in values.items() if name != "reverses"}
