"""Cash sales: recorded by the stall in one call, undone only briefly and only by its author or
a manager, counted in today's totals, audited."""

from datetime import UTC, datetime, timedelta

import pytest

from market_pay.audit.models import AuditLog
from market_pay.cash.models import CashSale
from market_pay.cash.services import today_totals
from market_pay.extensions import db
from tests.factories import auth_header, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer


@pytest.fixture
def stall(app):
    vendor = make_vendor()
    return vendor, make_user("vendor", scope_of(vendor)), make_user("vendor_assistant", scope_of(vendor))


def post_cash(client, vendor, user, **body):
    return client.post(f"/api/v1/vendors/{vendor.id}/cash-sales", json=body, headers=auth_header(user))


def test_vendor_and_assistant_record_cash_sales_counted_today(client, stall):
    vendor, owner, assistant = stall
    first = post_cash(client, vendor, owner, amount=25_000)
    assert first.status_code == 201, first.json
    assert first.json["amount"] == 25_000 and first.json["count"] == 1 and first.json["source"] == "stall"
    assert post_cash(client, vendor, assistant, amount=15_000, count=2).status_code == 201
    totals = today_totals(vendor)
    assert (totals["cash_count"], totals["cash_total"]) == (3, 40_000)
    assert db.session.query(AuditLog).filter_by(action="cash_sale.create").count() == 2


def test_cashless_today_counts_confirmed_credits_only(client, stall):
    vendor, _owner, _ = stall
    set_partners()
    account = vendor.accounts[0]
    now = datetime.now(UTC).isoformat()
    assert post_simbank(client, simbank_transfer(account, 120_000, booked_at=now)).status_code == 200
    assert post_simbank(client, simbank_transfer(account, 30_000, booked_at=now)).status_code == 200
    # Another day's credit is not today's.
    post_simbank(client, simbank_transfer(account, 999_000, booked_at="2026-01-05T09:00:00+07:00"))
    totals = today_totals(vendor)
    assert (totals["cashless_count"], totals["cashless_total"]) == (2, 150_000)


def test_the_author_undoes_the_last_sale(client, stall):
    vendor, owner, assistant = stall
    sale_id = post_cash(client, vendor, owner, amount=25_000).json["id"]
    assert client.delete(f"/api/v1/cash-sales/{sale_id}", headers=auth_header(assistant)).status_code == 403
    response = client.delete(f"/api/v1/cash-sales/{sale_id}", headers=auth_header(owner))
    assert response.status_code == 200 and response.json["id"] == sale_id
    assert db.session.get(CashSale, sale_id) is None
    assert client.delete(f"/api/v1/cash-sales/{sale_id}", headers=auth_header(owner)).status_code == 404


def test_undo_window_closes_for_the_stall_but_not_for_the_manager(client, stall):
    vendor, owner, _ = stall
    sale_id = post_cash(client, vendor, owner, amount=25_000).json["id"]
    sale = db.session.get(CashSale, sale_id)
    sale.created_at -= timedelta(minutes=11)
    db.session.commit()
    late = client.delete(f"/api/v1/cash-sales/{sale_id}", headers=auth_header(owner))
    assert late.status_code == 409 and "10" in late.json["message"]
    manager = make_user("market_manager", vendor.market.code)
    assert client.delete(f"/api/v1/cash-sales/{sale_id}", headers=auth_header(manager)).status_code == 200


def test_other_stalls_and_region_staff_cannot_record(client, stall):
    vendor, _, _ = stall
    other = make_vendor(market=vendor.market)
    stranger = make_user("vendor", scope_of(other))
    assert post_cash(client, vendor, stranger, amount=1_000).status_code == 403
    staff = make_user("region_staff", vendor.market.region.code)
    assert post_cash(client, vendor, staff, amount=1_000).status_code == 403
    assert client.post(f"/api/v1/vendors/{vendor.id}/cash-sales", json={"amount": 1}).status_code == 401
    assert post_cash(client, vendor, make_user("admin"), amount=1_000).status_code == 201
    assert post_cash(client, type(vendor)(id=999_999), make_user("admin"), amount=1_000).status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": "25000"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": 10**11}, "amount"),
        ({"amount": 1000, "count": 0}, "count"),
        ({"amount": 1000, "count": 5000}, "count"),
        ({"amount": 1000, "occurred_at": "hôm qua"}, "occurred_at"),
        ({"amount": 1000, "occurred_at": "2026-11-22T09:00:00"}, "occurred_at"),
        ({"amount": 1000, "occurred_at": "2099-01-01T09:00:00+07:00"}, "occurred_at"),
        ({"amount": 1000, "occurred_at": "2020-01-01T09:00:00+07:00"}, "occurred_at"),
        ({"amount": 1000, "tip": 5}, "tip"),
    ],
)
def test_bad_cash_sales_are_refused_naming_the_field(client, stall, body, field):
    vendor, owner, _ = stall
    response = post_cash(client, vendor, owner, **body)
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert db.session.query(CashSale).count() == 0


def test_a_suspended_stall_records_nothing(client, stall):
    vendor, _owner, _ = stall
    vendor.status = "suspended"
    db.session.commit()
    assert post_cash(client, vendor, make_user("admin"), amount=1_000).status_code == 409
