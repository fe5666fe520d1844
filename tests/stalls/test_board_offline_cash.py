"""Cash sales sent twice over a weak signal are recorded once: the board's offline queue resends
with the sale's Idempotency-Key, and the JSON API honours the same header (issue 19)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market_pay.cash.models import CashSale
from market_pay.common.types import utcnow
from market_pay.extensions import db
from tests.factories import auth_header, make_user, make_vendor, scope_of
from tests.servers import send_at_once
from tests.stalls.test_board_pages import board_post, sign_in


@pytest.fixture
def stall(app):
    vendor = make_vendor()
    return vendor, make_user("vendor", scope_of(vendor))


def sales_of(vendor) -> int:
    return db.session.scalar(select(func.count()).select_from(CashSale).where(CashSale.vendor_id == vendor.id))


def test_the_board_resending_a_queued_sale_with_its_key_records_it_once(client, stall):
    vendor, user = stall
    sign_in(client, user)
    first = board_post(client, "/stall/cash", {"amount": 37_000, "age_seconds": 600}, **{"Idempotency-Key": "cash-1"})
    again = board_post(client, "/stall/cash", {"amount": 37_000, "age_seconds": 0}, **{"Idempotency-Key": "cash-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.json["summary"]["cash_count"] == 1
    assert sales_of(vendor) == 1
    # Dated when it was typed (ten minutes before it reached the server), not when it arrived.
    sale = db.session.get(CashSale, first.json["id"])
    assert timedelta(minutes=9) < utcnow() - sale.occurred_at < timedelta(minutes=11)


def test_the_same_key_with_another_amount_is_a_conflict(client, stall):
    vendor, user = stall
    sign_in(client, user)
    assert board_post(client, "/stall/cash", {"amount": 10_000}, **{"Idempotency-Key": "cash-2"}).status_code == 201
    clash = board_post(client, "/stall/cash", {"amount": 20_000}, **{"Idempotency-Key": "cash-2"})
    assert clash.status_code == 409 and sales_of(vendor) == 1


def test_a_sale_queued_longer_than_the_backdating_limit_or_a_bad_key_is_refused(client, stall):
    vendor, user = stall
    sign_in(client, user)
    old = board_post(client, "/stall/cash", {"amount": 1_000, "age_seconds": 8 * 24 * 3600})
    assert old.status_code == 422 and "age_seconds" in old.json["errors"]
    bad = board_post(client, "/stall/cash", {"amount": 1_000}, **{"Idempotency-Key": "x" * 101})
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json["errors"]
    assert sales_of(vendor) == 0


def test_sales_without_a_key_stay_separate_sales(client, stall):
    vendor, user = stall
    sign_in(client, user)
    for _ in range(2):
        assert board_post(client, "/stall/cash", {"amount": 5_000}).status_code == 201
    assert sales_of(vendor) == 2


def test_the_cash_api_honours_an_idempotency_key_per_stall(client, stall):
    vendor, user = stall
    other = make_vendor()
    other_user = make_user("vendor", scope_of(other))
    post = lambda v, u, key: client.post(  # noqa: E731
        f"/api/v1/vendors/{v.id}/cash-sales",
        json={"amount": 12_000},
        headers={**auth_header(u), "Idempotency-Key": key},
    )
    first, again = post(vendor, user, "k"), post(vendor, user, "k")
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    # Another stall's key is its own.
    assert post(other, other_user, "k").status_code == 201
    assert (sales_of(vendor), sales_of(other)) == (1, 1)


def test_twenty_sends_of_one_sale_at_once_record_it_once(committed):
    """The unique (stall, key) index settles sends that race past the replay check (a queue
    flushed from two tabs, a retry while the first is still on its way): real concurrent
    transactions on each database."""
    vendor = make_vendor()
    headers = {**auth_header(make_user("vendor", scope_of(vendor))), "Idempotency-Key": "cash-race-1"}
    vendor_id = vendor.id
    db.session.commit()
    db.session.close()
    responses = send_at_once(
        committed, 20, "POST", f"/api/v1/vendors/{vendor_id}/cash-sales", json={"amount": 42_000}, headers=headers
    )
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert db.session.scalar(select(func.count()).select_from(CashSale).where(CashSale.vendor_id == vendor_id)) == 1
