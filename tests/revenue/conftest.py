"""A stall with two banks' accounts, paid by signed callbacks across local midnights and the ends of
months, quarters and the half-year, with cash recorded (and one sale undone)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from market_pay.cash.models import CashSale
from market_pay.cash.services import delete_cash_sale
from market_pay.extensions import db
from tests.factories import account_data, make_market, make_region, make_user, make_vendor, scope_of
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# (account index, amount, booked at in Vietnam time)
CREDITS = [
    (0, 100_000, "2025-12-31T23:59:59"),  # the day before the book's year
    (0, 11_000, "2026-01-01T00:00:00"),
    (0, 250_000, "2026-03-31T23:59:59"),  # the last second of Q1 …
    (1, 70_000, "2026-04-01T00:00:00"),  # … and the first of Q2
    (1, 33_000, "2026-04-01T06:59:59"),  # still 31/03 in UTC, 01/04 here
    (0, 45_000, "2026-06-30T23:30:00"),
    (1, 20_000, "2026-07-01T00:10:00"),  # reversed below: counts nowhere
    (1, 80_000, "2026-07-01T08:00:00"),
    (0, 9_000, "2027-01-01T00:00:00"),  # the day after the year
]
# (amount, count, at in Vietnam time)
CASH = [
    (60_000, 3, "2026-03-31T23:50:00"),
    (15_000, 1, "2026-04-01T00:05:00"),
    (7_000, 1, "2026-07-01T00:00:00"),
    (5_000, 1, "2026-12-31T23:59:59"),
]


def vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


@pytest.fixture
def book_world(app, client):
    set_partners()
    region = make_region()
    market = make_market(region=region)
    stall = make_vendor(
        market, accounts=[account_data("970436", "0011001234567"), account_data("970422", "9704229999")]
    )
    neighbour = make_vendor(market, accounts=[account_data("970405", "5550001111")])
    posted = []
    for index, amount, when in CREDITS:
        body = simbank_transfer(stall.accounts[index], amount, booked_at=when + "+07:00")
        assert post_simbank(client, body).status_code == 200
        posted.append(body)
    reversal = simbank_transfer(
        stall.accounts[1],
        20_000,
        direction="out",
        reverses=posted[6]["transaction_id"],
        booked_at="2026-07-01T09:00:00+07:00",
    )
    assert post_simbank(client, reversal).status_code == 200
    post_simbank(client, simbank_transfer(neighbour.accounts[0], 999_000, booked_at="2026-04-01T10:00:00+07:00"))
    for amount, count, when in CASH:
        db.session.add(
            CashSale(
                market_id=market.id,
                vendor_id=stall.id,
                amount=amount,
                count=count,
                occurred_at=vn(when),
                source="stall",
            )
        )
    db.session.add(CashSale(market_id=market.id, vendor_id=neighbour.id, amount=500_000, occurred_at=vn(CASH[0][2])))
    db.session.add(
        CashSale(
            market_id=market.id, vendor_id=None, amount=400_000, count=5, occurred_at=vn(CASH[0][2]), source="survey"
        )
    )
    db.session.commit()
    # A sale typed by mistake and undone: gone from the book as from everything else.
    vendor_user = make_user("vendor", scope=scope_of(stall))
    mistake = CashSale(
        market_id=market.id,
        vendor_id=stall.id,
        amount=900_000,
        occurred_at=vn("2026-04-01T09:00:00"),
        source="stall",
        recorded_by_user_id=vendor_user.id,
    )
    db.session.add(mistake)
    db.session.commit()
    delete_cash_sale(make_user("admin"), mistake.id)
    db.session.commit()
    return {"region": region, "market": market, "stall": stall, "neighbour": neighbour, "vendor_user": vendor_user}
