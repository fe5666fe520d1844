"""One bound on a line of money everywhere (issue 17): callbacks, statements (tests/reconciliation/
test_insiders.py), cash sales, payment requests, survey rows and stall floors."""

import pytest
from sqlalchemy import func, select

from market_pay.cash.survey_import import import_cash_survey
from market_pay.common.money import MAX_LINE_AMOUNT
from market_pay.errors import ValidationFailed
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, InboxEntry, SuspenseItem
from tests.factories import auth_header, make_market, make_user, make_vendor
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")


def test_the_bound_is_above_a_real_transfer_and_far_below_overflow():
    assert MAX_LINE_AMOUNT > 500_000_000 and MAX_LINE_AMOUNT * 1_000_000_000 < 2**63


def test_a_signed_callback_above_the_bound_is_kept_in_suspense_never_booked(client):
    set_partners()
    stall = make_vendor()
    at_bound = post_simbank(client, simbank_transfer(stall.accounts[0], MAX_LINE_AMOUNT))
    assert at_bound.status_code == 200
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 1
    above = post_simbank(client, simbank_transfer(stall.accounts[0], MAX_LINE_AMOUNT + 1))
    assert above.status_code == 200  # acknowledged in the partner's format, like any malformed delivery
    assert db.session.scalar(select(func.count(BankTransaction.id))) == 1
    item = db.session.scalar(select(SuspenseItem))
    assert item.reason == "malformed" and "bound" in item.detail
    assert db.session.scalar(select(InboxEntry.outcome).where(InboxEntry.id == item.inbox_entry_id)) == "malformed"


def test_a_cash_sale_above_the_bound_is_refused(client):
    stall = make_vendor()
    headers = auth_header(make_user("admin"))
    response = client.post(
        f"/api/v1/vendors/{stall.id}/cash-sales", json={"amount": MAX_LINE_AMOUNT + 1}, headers=headers
    )
    assert response.status_code == 422
    assert "1.000.000.000" in response.get_json()["errors"]["amount"][0]
    assert (
        client.post(
            f"/api/v1/vendors/{stall.id}/cash-sales", json={"amount": MAX_LINE_AMOUNT}, headers=headers
        ).status_code
        == 201
    )


@pytest.mark.parametrize("amount", [MAX_LINE_AMOUNT, MAX_LINE_AMOUNT + 1, 10**18])
def test_a_payment_request_above_one_transfer_is_refused(client, amount):
    stall = make_vendor()
    response = client.post(
        f"/api/v1/vendors/{stall.id}/payment-requests", json={"amount": amount}, headers=auth_header(make_user("admin"))
    )
    assert response.status_code == 422 and "amount" in response.get_json()["errors"]


def test_a_stall_floor_above_one_transfer_is_refused(client):
    stall = make_vendor()
    response = client.patch(
        f"/api/v1/vendors/{stall.id}",
        json={"floor_amount": MAX_LINE_AMOUNT + 1},
        headers=auth_header(make_user("admin")),
    )
    assert response.status_code == 422 and "floor_amount" in response.get_json()["errors"]


def test_a_survey_row_with_more_than_the_bound_per_sale_is_refused():
    market = make_market()
    text = (
        "date,market_code,stall_code,count,value\n"
        f"2026-11-12,{market.code},,2,{2 * MAX_LINE_AMOUNT}\n"
        f"2026-11-13,{market.code},,2,{2 * MAX_LINE_AMOUNT + 1}\n"
    )
    with pytest.raises(ValidationFailed) as refused:
        import_cash_survey(text)
    assert list(refused.value.errors) == ["row 3"] and "value" in refused.value.errors["row 3"]
