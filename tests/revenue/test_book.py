"""The book equals, to the đồng, the stall feed and the cash sales of the same period (and the rollups)."""

from collections import defaultdict
from datetime import date, datetime

import pytest
from sqlalchemy import select

from market_pay.cash.models import CashSale
from market_pay.extensions import db
from market_pay.reports import rollups
from market_pay.reports.models import StallDayTotal
from market_pay.revenue.outlook import period_totals
from tests.factories import auth_header, make_user
from tests.revenue.conftest import VN

pytestmark = pytest.mark.usefixtures("app")


def feed_by_day(client, stall, headers) -> dict:
    """The oracle for cashless: the stall feed, every credit the bank did not take back, by local day."""
    totals, cursor = defaultdict(int), None
    while True:
        query = "?limit=500" + (f"&after={cursor}" if cursor else "")
        page = client.get(f"/api/v1/vendors/{stall.id}/payments{query}", headers=headers).get_json()
        if not page["items"]:
            return totals
        for item in page["items"]:
            if item["kind"] == "credit" and "reversed" not in item["flags"]:
                totals[datetime.fromisoformat(item["booked_at"]).astimezone(VN).date()] += item["amount"]
        cursor = page["next"]


def cash_by_day(stall) -> dict:
    totals = defaultdict(int)
    for sale in db.session.scalars(select(CashSale).where(CashSale.vendor_id == stall.id)):
        totals[sale.occurred_at.astimezone(VN).date()] += sale.amount
    return totals


def in_period(totals: dict, first: date, last: date) -> dict:
    return {day: value for day, value in totals.items() if first <= day <= last and value}


def book(client, stall, headers, first, last, group="month", **extra):
    query = "&".join(f"{k}={v}" for k, v in {"from": first, "to": last, "group": group, **extra}.items())
    return client.get(f"/api/v1/vendors/{stall.id}/revenue?{query}", headers=headers)


@pytest.mark.parametrize(
    "first,last",
    [
        ("2026-01-01", "2026-12-31"),
        ("2026-03-31", "2026-04-01"),
        ("2026-04-01", "2026-06-30"),
        ("2025-12-31", "2026-01-01"),
        ("2026-07-01", "2026-07-01"),
    ],
)
def test_the_book_equals_the_feed_and_the_cash_sales_to_the_dong(client, book_world, first, last):
    stall = book_world["stall"]
    headers = auth_header(book_world["vendor_user"])
    answer = book(client, stall, headers, first, last, "day").get_json()
    first, last = date.fromisoformat(first), date.fromisoformat(last)
    cashless = in_period(feed_by_day(client, stall, headers), first, last)
    cash = in_period(cash_by_day(stall), first, last)
    assert {date.fromisoformat(d["date"]): d["cashless"] for d in answer["days"] if d["cashless"]} == cashless
    assert {date.fromisoformat(d["date"]): d["cash"] for d in answer["days"] if d["cash"]} == cash
    assert answer["cashless"] == sum(cashless.values())
    assert answer["cash"] == sum(cash.values())
    assert answer["total"] == answer["cashless"] + answer["cash"]
    assert all(isinstance(answer[key], int) for key in ("cashless", "cash", "total"))


def test_local_midnight_and_quarter_ends_fall_on_the_right_side(client, book_world):
    answer = book(
        client, book_world["stall"], auth_header(book_world["vendor_user"]), "2026-01-01", "2026-12-31", "quarter"
    ).get_json()
    rows = {row["key"]: (row["cashless"], row["cash"]) for row in answer["rows"]}
    assert rows == {
        "2026-Q1": (11_000 + 250_000, 60_000),
        "2026-Q2": (70_000 + 33_000 + 45_000, 15_000),
        "2026-Q3": (80_000, 7_000),
        "2026-Q4": (0, 5_000),
    }
    assert [row["label"] for row in answer["rows"]] == ["Quý 1/2026", "Quý 2/2026", "Quý 3/2026", "Quý 4/2026"]
    halves = book(
        client, book_world["stall"], auth_header(book_world["vendor_user"]), "2026-01-01", "2026-12-31", "half"
    ).get_json()["rows"]
    assert [(row["key"], row["total"]) for row in halves] == [("2026-H1", 484_000), ("2026-H2", 92_000)]


def test_day_lines_are_per_account_with_reversed_provisional_marked(client, book_world):
    answer = book(
        client, book_world["stall"], auth_header(book_world["vendor_user"]), "2026-07-01", "2026-07-01"
    ).get_json()
    (day,) = answer["days"]
    (line,) = day["lines"]
    assert (line["bank"], line["account"]) == ("MBBank", "•••• 9999")
    assert (line["count"], line["amount"], line["reversed_count"], line["reversed_amount"]) == (1, 80_000, 1, 20_000)
    assert line["provisional"] == 80_000 and line["recovered"] == 0  # no statement yet
    assert (day["cash"], day["cash_count"], answer["reversed"]) == (7_000, 1, 20_000)
    two_banks = book(
        client, book_world["stall"], auth_header(book_world["vendor_user"]), "2026-03-31", "2026-04-01", "day"
    ).get_json()["days"]
    assert [[line["account"] for line in day["lines"]] for day in two_banks] == [["•••• 4567"], ["•••• 9999"]]


def test_the_book_equals_the_rollups_it_is_checked_against(client, book_world):
    rollups.refresh()
    db.session.commit()
    stall = book_world["stall"]
    rows = db.session.execute(
        select(StallDayTotal.day, StallDayTotal.cashless_value, StallDayTotal.cash_value).where(
            StallDayTotal.vendor_id == stall.id,
            StallDayTotal.day >= date(2026, 1, 1),
            StallDayTotal.day <= date(2026, 12, 31),
        )
    ).all()
    answer = book(client, stall, auth_header(book_world["vendor_user"]), "2026-01-01", "2026-12-31", "day").get_json()
    assert {d["date"]: (d["cashless"], d["cash"]) for d in answer["days"]} == {
        day.isoformat(): (cashless, cash) for day, cashless, cash in rows
    }


@pytest.mark.parametrize(
    "query,field",
    [
        ("from=2026-01-01&to=2027-01-02", "to"),
        ("from=2026-02-30&to=2026-03-01", "from"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("from=2026-01-01", "to"),
        ("from=2026-01-01&to=2026-01-31&group=week", "group"),
        ("from=2026-01-01&to=2026-01-31&format=doc", "format"),
        ("from=0001-01-01&to=0001-01-02", "from"),
    ],
)
def test_a_period_beyond_a_year_or_a_bad_date_is_422(client, book_world, query, field):
    response = client.get(
        f"/api/v1/vendors/{book_world['stall'].id}/revenue?{query}", headers=auth_header(book_world["vendor_user"])
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_whole_leap_year_is_allowed(client, book_world):
    response = book(client, book_world["stall"], auth_header(make_user("admin")), "2028-01-01", "2028-12-31")
    assert response.status_code == 200
    assert response.get_json()["total"] == 0 and len(response.get_json()["rows"]) == 12


def test_random_credits_and_cash_around_midnights_agree_with_feed_cash_and_rollups(client, book_world):
    """Seeded: 40 more signed credits and 20 cash sales within minutes of local midnights at month,
    quarter and half-year ends; every grouping of every period agrees with the oracles."""
    import random
    from datetime import timedelta

    from tests.payments.helpers import post_simbank, simbank_transfer
    from tests.revenue.conftest import vn

    rng = random.Random(2026)
    stall = book_world["stall"]
    edges = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
    for _ in range(40):
        moment = vn(f"{rng.choice(edges)}T23:59:59") + timedelta(seconds=rng.randint(-600, 600))
        body = simbank_transfer(
            stall.accounts[rng.randrange(2)], rng.randint(1, 500) * 1000, booked_at=moment.isoformat()
        )
        assert post_simbank(client, body).status_code == 200
    for _ in range(20):
        moment = vn(f"{rng.choice(edges)}T23:59:59") + timedelta(seconds=rng.randint(-600, 600))
        db.session.add(
            CashSale(
                market_id=stall.market_id,
                vendor_id=stall.id,
                amount=rng.randint(1, 90) * 1000,
                occurred_at=moment,
                source="stall",
            )
        )
    db.session.commit()
    rollups.refresh()
    db.session.commit()
    headers = auth_header(book_world["vendor_user"])
    feed, cash = feed_by_day(client, stall, headers), cash_by_day(stall)
    for first, last in (("2026-01-01", "2026-12-31"), ("2026-02-01", "2026-03-31"), ("2026-07-01", "2027-01-01")):
        for group in ("day", "month", "quarter", "half", "year"):
            answer = book(client, stall, headers, first, last, group).get_json()
            start, end = date.fromisoformat(first), date.fromisoformat(last)
            assert answer["cashless"] == sum(in_period(feed, start, end).values())
            assert answer["cash"] == sum(in_period(cash, start, end).values())
            for row in answer["rows"]:
                rf, rl = date.fromisoformat(row["from"]), date.fromisoformat(row["to"])
                assert (row["cashless"], row["cash"]) == (
                    sum(in_period(feed, rf, rl).values()),
                    sum(in_period(cash, rf, rl).values()),
                ), (group, row)
                assert (row["cashless"], row["cash"]) == period_totals(stall.id, rf, rl), (group, row)


def test_a_recovered_credit_is_marked_and_not_provisional(client, book_world):
    from market_pay.payments.models import BankTransaction

    txn = db.session.scalar(select(BankTransaction).where(BankTransaction.amount == 45_000))
    txn.confirmation = "recovered"
    db.session.commit()
    answer = book(
        client, book_world["stall"], auth_header(book_world["vendor_user"]), "2026-06-30", "2026-06-30"
    ).get_json()
    (line,) = answer["days"][0]["lines"]
    assert (line["amount"], line["recovered"], line["provisional"]) == (45_000, 45_000, 0)
    assert (answer["recovered"], answer["provisional"]) == (45_000, 0)
