"""Dynamic QR payment requests and how callbacks settle them."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from market_pay.common.types import utcnow
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, PaymentRequest, SuspenseItem
from market_pay.payments.references import is_reference
from market_pay.vietqr.codec import parse
from tests.factories import account_data, auth_header, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.qr_reader import decoded_texts

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def stall(app):
    set_partners()
    return make_vendor(accounts=[account_data("970436", "0011001234567"), account_data("970422", "0352350917")])


@pytest.fixture
def vendor_headers(stall):
    return auth_header(make_user("vendor", scope=scope_of(stall)))


def create(client, stall, headers, **body):
    return client.post(f"/api/v1/vendors/{stall.id}/payment-requests", json={"amount": 50_000, **body}, headers=headers)


def test_a_request_gets_a_reference_first_in_the_purpose_and_a_dynamic_code(client, stall, vendor_headers):
    response = create(client, stall, vendor_headers, note="Rau cải")
    assert response.status_code == 201
    body = response.get_json()
    assert is_reference(body["reference"]) and body["status"] == "pending" and body["amount"] == 50_000
    code = parse(body["payload"])
    assert code.is_dynamic and code.amount == 50_000 and code.account == "0011001234567"
    assert code.purpose == f"{body['reference']} RAU CAI"
    assert body["pay_url"].endswith(f"/pay/{body['reference']}")
    assert set(body) >= {"id", "reference", "amount", "payload", "expires_at", "status", "pay_url"}


def test_the_payload_of_a_request_reads_back_from_a_real_qr(client, stall, vendor_headers):
    from market_pay.vietqr.rendering import render_png

    payload = create(client, stall, vendor_headers).get_json()["payload"]
    assert decoded_texts(render_png(payload), "png") == [payload]


def test_the_chosen_account_is_used(client, stall, vendor_headers):
    body = create(client, stall, vendor_headers, account_id=stall.accounts[1].id).get_json()
    assert parse(body["payload"]).bin == "970422"
    other = make_vendor()
    refused = create(client, stall, vendor_headers, account_id=other.accounts[0].id)
    assert refused.status_code == 422 and "account_id" in refused.get_json()["errors"]


def test_expiry_defaults_and_limits(client, stall, vendor_headers):
    small = create(client, stall, vendor_headers).get_json()
    large = create(client, stall, vendor_headers, amount=12_000_000).get_json()

    def seconds(body):
        request = db.session.get(PaymentRequest, body["id"])
        return (request.expires_at - request.created_at).total_seconds()

    assert round(seconds(small)) == 600 and round(seconds(large)) == 1800
    assert create(client, stall, vendor_headers, expires_in=86_401).status_code == 422
    assert create(client, stall, vendor_headers, expires_in=30).status_code == 422


@pytest.mark.parametrize("amount", [0, -1, 500_000_000, "100", 1.5, None])
def test_bad_amounts_are_422(client, stall, vendor_headers, amount):
    response = client.post(
        f"/api/v1/vendors/{stall.id}/payment-requests", json={"amount": amount}, headers=vendor_headers
    )
    assert response.status_code == 422 and "amount" in response.get_json()["errors"]


def test_idempotency_key_replays_the_same_request_and_refuses_another_body(client, stall, vendor_headers):
    headers = {**vendor_headers, "Idempotency-Key": "tablet-7-sale-42"}
    first = create(client, stall, headers)
    again = create(client, stall, headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["reference"] == again.get_json()["reference"]
    assert db.session.scalar(select(func.count(PaymentRequest.id))) == 1
    conflict = create(client, stall, headers, amount=60_000)
    assert conflict.status_code == 409


def test_assistant_may_take_payments_but_region_staff_may_not(client, stall):
    assistant = auth_header(make_user("vendor_assistant", scope=scope_of(stall)))
    assert create(client, stall, assistant).status_code == 201
    staff = auth_header(make_user("region_staff", scope=stall.market.region.code))
    assert create(client, stall, staff).status_code == 403
    other_vendor = make_vendor()
    stranger = auth_header(make_user("vendor", scope=scope_of(other_vendor)))
    assert create(client, stall, stranger).status_code == 403


def test_a_suspended_stall_cannot_take_payments(client, stall, vendor_headers):
    client.post(
        f"/api/v1/vendors/{stall.id}/suspend", json={"reason": "bỏ sạp"}, headers=auth_header(make_user("admin"))
    )
    assert create(client, stall, vendor_headers).status_code == 409


def pay(client, stall, reference, amount, account_index=0, prefix="MBVCB.3278907687.", **overrides):
    return post_simbank(
        client,
        simbank_transfer(
            stall.accounts[account_index], amount, description=f"{prefix}{reference.lower()} thanh toán", **overrides
        ),
    )


def status_of(client, reference, headers):
    return client.get(f"/api/v1/payment-requests/{reference}", headers=headers).get_json()


def test_exact_payment_marks_the_request_paid_even_with_a_bank_prefix(client, stall, vendor_headers):
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    assert pay(client, stall, reference, 50_000).status_code == 200
    body = status_of(client, reference, vendor_headers)
    assert (body["status"], body["paid_amount"]) == ("paid", 50_000)
    assert [t["amount"] for t in body["transactions"]] == [50_000]


def test_reference_is_found_when_the_bank_splits_it_with_separators(client, stall, vendor_headers):
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    spaced = f"{reference[:3]}-{reference[3:6]} {reference[6:]}"
    post_simbank(client, simbank_transfer(stall.accounts[0], 50_000, description=f"IBFT {spaced}"))
    assert status_of(client, reference, vendor_headers)["status"] == "paid"


def test_underpaid_then_completed(client, stall, vendor_headers):
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    pay(client, stall, reference, 200)
    body = status_of(client, reference, vendor_headers)
    assert body["status"] == "underpaid" and body["transactions"][0]["underpaid"] is True
    pay(client, stall, reference, 49_800)
    assert status_of(client, reference, vendor_headers)["status"] == "paid"


def test_overpaid_and_a_second_payment_is_overpaid(client, stall, vendor_headers):
    first = create(client, stall, vendor_headers).get_json()["reference"]
    pay(client, stall, first, 60_000)
    assert status_of(client, first, vendor_headers)["status"] == "overpaid"
    second = create(client, stall, vendor_headers).get_json()["reference"]
    pay(client, stall, second, 50_000)
    pay(client, stall, second, 50_000)
    body = status_of(client, second, vendor_headers)
    assert (body["status"], body["paid_amount"]) == ("overpaid", 100_000)


def test_payment_after_expiry_is_recorded_and_flagged_paid_late(client, stall, vendor_headers):
    body = create(client, stall, vendor_headers).get_json()
    db.session.execute(update(PaymentRequest).values(expires_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert status_of(client, body["reference"], vendor_headers)["status"] == "expired"
    pay(client, stall, body["reference"], 50_000, booked_at=utcnow().isoformat())
    result = status_of(client, body["reference"], vendor_headers)
    assert result["status"] == "paid_late" and result["transactions"][0]["late"] is True


def test_a_cancelled_request_that_is_paid_anyway_shows_the_money(client, stall, vendor_headers):
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    assert (
        client.post(f"/api/v1/payment-requests/{reference}/cancel", headers=vendor_headers).get_json()["status"]
        == "cancelled"
    )
    pay(client, stall, reference, 50_000)
    assert status_of(client, reference, vendor_headers)["status"] == "paid_late"
    assert client.post(f"/api/v1/payment-requests/{reference}/cancel", headers=vendor_headers).status_code == 409


def test_a_reference_of_another_stall_goes_to_suspense(client, stall, vendor_headers):
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    other = make_vendor()
    post_simbank(client, simbank_transfer(other.accounts[0], 50_000, description=reference))
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "foreign_reference" and item.market_id == other.market_id
    assert status_of(client, reference, vendor_headers)["status"] == "pending"


def test_two_references_are_ambiguous(client, stall, vendor_headers):
    first = create(client, stall, vendor_headers).get_json()["reference"]
    second = create(client, stall, vendor_headers).get_json()["reference"]
    post_simbank(client, simbank_transfer(stall.accounts[0], 50_000, description=f"{first} {second}"))
    assert db.session.scalar(select(SuspenseItem.reason)) == "ambiguous"


def test_a_well_formed_reference_nobody_issued_goes_to_suspense(client, stall):
    from market_pay.payments.references import new_reference

    post_simbank(client, simbank_transfer(stall.accounts[0], 50_000, description=new_reference()))
    assert db.session.scalar(select(SuspenseItem.reason)) == "unknown_reference"


def test_a_reversal_undoes_the_allocation_and_keeps_both_records(client, stall, vendor_headers):
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    credit = simbank_transfer(stall.accounts[0], 50_000, description=reference)
    post_simbank(client, credit)
    reversal = simbank_transfer(
        stall.accounts[0], 50_000, direction="out", reverses=credit["transaction_id"], description="HOAN TIEN"
    )
    assert post_simbank(client, reversal).status_code == 200
    body = status_of(client, reference, vendor_headers)
    assert (body["status"], body["paid_amount"]) == ("pending", 0)
    rows = db.session.scalars(select(BankTransaction).order_by(BankTransaction.id)).all()
    assert [(r.direction, r.match_kind, r.reversed) for r in rows] == [
        ("in", "request", True),
        ("out", "reversal", False),
    ]


def test_a_reversal_of_nothing_goes_to_suspense(client, stall):
    post_simbank(client, simbank_transfer(stall.accounts[0], 1000, direction="out", reverses="NOPE"))
    assert db.session.scalar(select(SuspenseItem.reason)) == "unmatched_reversal"


def test_an_outgoing_transfer_is_a_debit_not_a_sale(client, stall):
    post_simbank(client, simbank_transfer(stall.accounts[0], 100_000, direction="out"))
    txn = db.session.scalar(select(BankTransaction))
    assert txn.match_kind == "debit" and txn.feed_seq is None
    assert db.session.scalar(select(func.count(SuspenseItem.id))) == 0


def test_unknown_reference_lookup_is_404_and_others_are_403(client, stall, vendor_headers):
    assert client.get("/api/v1/payment-requests/CPNOTHERE2", headers=vendor_headers).status_code == 404
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    stranger = auth_header(make_user("vendor", scope=scope_of(make_vendor())))
    assert client.get(f"/api/v1/payment-requests/{reference}", headers=stranger).status_code == 403


def test_a_reversal_that_arrives_before_its_credit_is_applied_when_the_credit_comes(client, stall, vendor_headers):
    reference = create(client, stall, vendor_headers).get_json()["reference"]
    credit = simbank_transfer(stall.accounts[0], 50_000, description=reference)
    reversal = simbank_transfer(stall.accounts[0], 50_000, direction="out", reverses=credit["transaction_id"])
    post_simbank(client, reversal)
    assert db.session.scalar(select(SuspenseItem.reason)) == "unmatched_reversal"
    post_simbank(client, credit)
    body = status_of(client, reference, vendor_headers)
    assert (body["status"], body["paid_amount"]) == ("pending", 0)
    item = db.session.scalar(select(SuspenseItem))
    assert (item.status, item.resolution) == ("resolved", "auto_matched")
