"""Payers' identities are for the stall, its market's manager and admins; region staff see figures.
A stall's assistant sees today only."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from market_pay.common.types import utcnow
from market_pay.extensions import db
from market_pay.payments.models import BankTransaction, PaymentRequest
from tests.factories import account_data, auth_header, make_market, make_region, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

pytestmark = pytest.mark.usefixtures("app")
PAYER = "TRAN VAN BINH"


@pytest.fixture
def stall(app):
    set_partners()
    region = make_region()
    return make_vendor(make_market(region=region), accounts=[account_data("970436", "0011001234567")])


def people(stall):
    return {
        role: auth_header(make_user(role, scope=scope))
        for role, scope in (
            ("admin", None),
            ("region_staff", stall.market.region.code),
            ("market_manager", stall.market.code),
            ("vendor", scope_of(stall)),
            ("vendor_assistant", scope_of(stall)),
        )
    }


def test_region_staff_see_the_figures_of_the_feed_but_not_who_paid(client, stall):
    post_simbank(client, simbank_transfer(stall.accounts[0], 20_000, payer_name=PAYER))
    for role, headers in people(stall).items():
        response = client.get(f"/api/v1/vendors/{stall.id}/payments", headers=headers)
        (item,) = response.get_json()["items"]
        assert item["amount"] == 20_000, role
        if role == "region_staff":
            assert "payer_name" not in item and PAYER not in response.get_data(as_text=True)
        else:
            assert item["payer_name"] == PAYER, role


def test_region_staff_see_a_request_s_payments_without_the_payer(client, stall):
    headers = people(stall)
    reference = client.post(
        f"/api/v1/vendors/{stall.id}/payment-requests", json={"amount": 30_000}, headers=headers["vendor"]
    ).get_json()["reference"]
    post_simbank(client, simbank_transfer(stall.accounts[0], 30_000, description=reference, payer_name=PAYER))
    staff = client.get(f"/api/v1/payment-requests/{reference}", headers=headers["region_staff"])
    assert staff.status_code == 200 and staff.get_json()["transactions"][0]["amount"] == 30_000
    assert PAYER not in staff.get_data(as_text=True)
    manager = client.get(f"/api/v1/payment-requests/{reference}", headers=headers["market_manager"]).get_json()
    assert manager["transactions"][0]["payer_name"] == PAYER


def test_region_staff_see_suspense_amounts_but_not_the_payer_or_the_transfer_s_content(client, stall):
    stall.accounts[0].set_status("inactive")
    db.session.commit()
    post_simbank(
        client, simbank_transfer(stall.accounts[0], 40_000, payer_name=PAYER, description=f"{PAYER} chuyen tien")
    )
    headers = people(stall)
    staff = client.get("/api/v1/suspense", headers=headers["region_staff"])
    (item,) = staff.get_json()["items"]
    assert item["transaction"]["amount"] == 40_000 and "description" not in item
    assert PAYER not in staff.get_data(as_text=True)
    (managed,) = client.get("/api/v1/suspense", headers=headers["market_manager"]).get_json()["items"]
    assert managed["transaction"]["payer_name"] == PAYER and PAYER in managed["description"]


def test_an_assistant_sees_today_s_credits_only(client, stall):
    post_simbank(client, simbank_transfer(stall.accounts[0], 11_000))
    post_simbank(client, simbank_transfer(stall.accounts[0], 22_000))
    two_days_ago = utcnow() - timedelta(days=2)
    db.session.execute(
        update(BankTransaction)
        .where(BankTransaction.amount == 11_000)
        .values(booked_at=two_days_ago, received_at=two_days_ago)
    )
    db.session.commit()
    headers = people(stall)
    feed = lambda role: [  # noqa: E731
        i["amount"]
        for i in client.get(f"/api/v1/vendors/{stall.id}/payments", headers=headers[role]).get_json()["items"]
    ]
    assert feed("vendor") == [11_000, 22_000]
    assert feed("vendor_assistant") == [22_000]


def test_an_assistant_reads_today_s_payment_requests_only(client, stall):
    headers = people(stall)
    old, new = (
        client.post(
            f"/api/v1/vendors/{stall.id}/payment-requests", json={"amount": amount}, headers=headers["vendor"]
        ).get_json()["reference"]
        for amount in (1_000, 2_000)
    )
    db.session.execute(
        update(PaymentRequest).where(PaymentRequest.reference == old).values(created_at=utcnow() - timedelta(days=2))
    )
    db.session.commit()
    assert client.get(f"/api/v1/payment-requests/{old}", headers=headers["vendor_assistant"]).status_code == 403
    assert client.get(f"/api/v1/payment-requests/{new}", headers=headers["vendor_assistant"]).status_code == 200
    assert client.get(f"/api/v1/payment-requests/{old}", headers=headers["vendor"]).status_code == 200
    assert db.session.scalar(select(PaymentRequest.status).where(PaymentRequest.reference == old)) == "pending"
