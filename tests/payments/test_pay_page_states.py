"""The shopper's /pay page and the board's QR poll never show a code that would pay wrongly:
nothing to scan or type once paid, expired or cancelled; the remainder's code once underpaid,
applied by the matcher to the same request (issue 19)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from market_pay.common.types import utcnow
from market_pay.extensions import db
from market_pay.payments.models import PaymentRequest
from market_pay.payments.payment_requests import cancel_payment_request
from market_pay.stalls.events import FeedHub
from market_pay.vietqr.codec import parse
from tests.factories import make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.stalls.test_board_pages import board_post, sign_in

TRANSFER_DETAILS = ("Nếu không quét được mã", "Số tài khoản", "<code>")


@pytest.fixture
def stall(app):
    app.extensions["market_pay_feed_hub"] = FeedHub(app, poll_seconds=3600)
    vendor = make_vendor(floor_amount=1_000)
    set_partners()
    return vendor, make_user("vendor", scope_of(vendor))


def _request(client, user, amount):
    sign_in(client, user)
    return board_post(client, "/stall/qr", {"amount": amount}).json["reference"]


def _pay(client, vendor, amount, reference, payer="TRAN VAN B"):
    body = simbank_transfer(vendor.accounts[0], amount, description=f"{reference} THANH TOAN", payer_name=payer)
    assert post_simbank(client, body).status_code == 200


def _page(client, reference, lang=None):
    shopper = client.application.test_client()
    return shopper.get(f"/pay/{reference}" + (f"?lang={lang}" if lang else "")).get_data(as_text=True)


def _no_code(page):
    assert "<svg" not in page
    for words in TRANSFER_DETAILS:
        assert words not in page


def test_a_pending_request_shows_its_code_and_the_details_to_type(client, stall):
    vendor, user = stall
    page = _page(client, _request(client, user, 45_000))
    assert "<svg" in page and "45.000 ₫" in page and vendor.accounts[0].account_number in page
    assert 'id="pay-final" class="final-state" role="status" hidden' in page


def test_a_paid_request_shows_the_final_state_and_nothing_to_scan_on_reload(client, stall):
    vendor, user = stall
    reference = _request(client, user, 45_000)
    _pay(client, vendor, 45_000, reference)
    page = _page(client, reference)
    _no_code(page)
    assert "✓" in page and "Đã thanh toán" in page and "45.000 ₫" in page
    assert "22/11/2026 09:15" in page  # booked 09:15 Vietnam time
    assert "TRAN VAN B" not in page  # the page is public: no payer
    status = client.application.test_client().get(f"/pay/{reference}/status").json
    assert status["final"] and not status["payable"] and status["payload"] is None
    assert "payer_name" not in status and "svg" not in status


def test_an_expired_request_says_to_ask_for_a_new_code(client, stall):
    _, user = stall
    reference = _request(client, user, 30_000)
    db.session.execute(update(PaymentRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = _page(client, reference)
    _no_code(page)
    assert "Mã đã hết hạn" in page and "Hãy nhờ người bán tạo mã mới." in page
    english = _page(client, reference, "en")
    assert "This code has expired" in english and "Ask the vendor to make a new code." in english


def test_a_cancelled_request_shows_cancelled_and_nothing_to_scan(client, stall):
    _, user = stall
    reference = _request(client, user, 30_000)
    cancel_payment_request(user, reference)
    db.session.commit()
    page = _page(client, reference)
    _no_code(page)
    assert "Đã huỷ" in page and "Hãy nhờ người bán tạo mã mới." in page


def test_an_underpaid_request_offers_a_code_for_the_remainder_only(client, stall):
    vendor, user = stall
    reference = _request(client, user, 250_000)
    _pay(client, vendor, 130_120, reference)
    page = _page(client, reference)
    assert "Còn thiếu 119.880 ₫" in page and "<svg" in page
    assert "<dd>119.880 ₫</dd>" in page and "<dd>250.000 ₫</dd>" not in page
    status = client.application.test_client().get(f"/pay/{reference}/status").json
    remainder = parse(status["payload"])
    issued = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference))
    assert remainder.amount == 119_880 and remainder.purpose == parse(issued.payload).purpose
    assert remainder.account == vendor.accounts[0].account_number
    # The shopper pays the remainder's code: the matcher completes the same request.
    _pay(client, vendor, remainder.amount, re.match(r"\S+", remainder.purpose).group(0))
    db.session.expire_all()
    issued = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference))
    assert issued.status == "paid" and issued.paid_amount == 250_000
    page = _page(client, reference)
    _no_code(page)
    assert "Đã thanh toán" in page and "250.000 ₫" in page


def test_an_underpaid_request_past_its_expiry_shows_no_code(client, stall):
    vendor, user = stall
    reference = _request(client, user, 250_000)
    _pay(client, vendor, 130_120, reference)
    db.session.execute(update(PaymentRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = _page(client, reference)
    assert "Còn thiếu 119.880 ₫" in page and "tạo mã mới cho số còn thiếu" in page
    english = _page(client, reference, "en")  # English readers group with commas
    assert "Still owed: 119,880 ₫" in english and "Received 130,120 ₫ of 250,000 ₫." in english
    assert "<svg" not in page and "Số tài khoản" not in page and 'data-payable="0"' in page


def test_the_boards_poll_carries_the_payer_and_no_code_once_paid(client, stall):
    vendor, user = stall
    reference = _request(client, user, 45_000)
    _pay(client, vendor, 45_000, reference)
    view = client.get(f"/stall/qr/{reference}?svg=1").json
    assert view["final"] and view["svg"] is None and view["payload"] is None
    assert view["payer_name"] == "TRAN VAN B" and view["settled_text"] == "22/11/2026 09:15"
    assert view["account_name"] == vendor.accounts[0].account_name and view["stall_name"] == vendor.display_name
