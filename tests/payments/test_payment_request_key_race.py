"""Twenty sends of one dynamic QR request with one Idempotency-Key at once (a board retrying on a
weak signal): one request, the others its replay, never a 500. Real concurrent transactions on
each database."""

from sqlalchemy import func, select

from market_pay.extensions import db
from market_pay.payments.models import PaymentRequest
from tests.factories import auth_header, make_user, make_vendor, scope_of
from tests.servers import send_at_once


def test_twenty_sends_of_one_key_at_once_make_one_request(committed):
    vendor = make_vendor()
    headers = {**auth_header(make_user("vendor", scope_of(vendor))), "Idempotency-Key": "qr-race-1"}
    vendor_id = vendor.id
    db.session.commit()
    db.session.close()
    responses = send_at_once(
        committed, 20, "POST", f"/api/v1/vendors/{vendor_id}/payment-requests", json={"amount": 42_000}, headers=headers
    )
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.get_json()["reference"] for r in responses}) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(PaymentRequest).where(PaymentRequest.vendor_id == vendor_id))
        == 1
    )
