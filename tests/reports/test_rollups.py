"""The rollups equal an aggregation of the base tables, whatever wrote to them.

The expected figures are computed here in plain Python from every BankTransaction and CashSale
row, independently of reports/rollups.py, and compared with the stall_day_total and
stall_month_total rows after a refresh.
"""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import select

from market_pay.auth.services import create_user
from market_pay.cash.models import CashSale
from market_pay.cash.services import delete_cash_sale, record_cash_sale
from market_pay.extensions import db
from market_pay.payments.match_worker import drain
from market_pay.payments.models import BankTransaction, SuspenseItem
from market_pay.payments.suspense import resolve_suspense
from market_pay.reconciliation.services import reconcile_file
from market_pay.reports import rollups
from market_pay.reports.models import MarketDayTotal, RollupDirty, StallDayTotal, StallMonthTotal
from market_pay.vendors.models import Vendor
from tests.factories import account_data, make_market, make_vendor
from tests.payments.helpers import post_simbank, set_partners, simbank_transfer
from tests.reconciliation.statements import line, write_statement

pytestmark = pytest.mark.usefixtures("app")
VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIGURES = rollups.FIGURES


def expected_totals():
    """{(vendor_id, day): figures} and {(vendor_id, month): figures} from the base rows."""
    days = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for txn in db.session.scalars(select(BankTransaction)):
        if (
            txn.vendor_id is None
            or txn.direction != "in"
            or txn.match_kind not in ("request", "static")
            or txn.reversed
        ):
            continue
        row = days[(txn.vendor_id, txn.booked_at.astimezone(VN).date())]
        row["cashless_count"] += 1
        row["cashless_value"] += txn.amount
        row["confirmed_value"] += txn.amount if txn.confirmation in ("confirmed", "recovered") else 0
        row["recovered_value"] += txn.amount if txn.confirmation == "recovered" else 0
    for sale in db.session.scalars(select(CashSale).where(CashSale.vendor_id.is_not(None))):
        row = days[(sale.vendor_id, sale.occurred_at.astimezone(VN).date())]
        row["cash_count"] += sale.count
        row["cash_value"] += sale.amount
    months = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for (vendor_id, day), row in days.items():
        for name in FIGURES:
            months[(vendor_id, day.replace(day=1))][name] += row[name]
    drop_empty = lambda table: {key: row for key, row in table.items() if any(row.values())}  # noqa: E731
    return drop_empty(days), drop_empty(months)


def expected_market_days(days):
    market_of = dict(db.session.execute(select(Vendor.id, Vendor.market_id)).all())
    totals = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for (vendor_id, day), row in days.items():
        for name in FIGURES:
            totals[(market_of[vendor_id], day)][name] += row[name]
    return dict(totals)


def rollup_totals():
    days = {
        (r.vendor_id, r.day): {name: getattr(r, name) for name in FIGURES}
        for r in db.session.scalars(select(StallDayTotal))
    }
    months = {
        (r.vendor_id, r.month): {name: getattr(r, name) for name in FIGURES}
        for r in db.session.scalars(select(StallMonthTotal))
    }
    return days, months


def market_day_totals():
    return {
        (r.market_id, r.day): {name: getattr(r, name) for name in FIGURES}
        for r in db.session.scalars(select(MarketDayTotal))
    }


def assert_rollups_exact():
    rollups.refresh()
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(RollupDirty)) == 0
    expected_days, expected_months = expected_totals()
    actual_days, actual_months = rollup_totals()
    assert actual_days == expected_days
    assert actual_months == expected_months
    assert market_day_totals() == expected_market_days(expected_days)
    # Every stall-day row carries its stall's market.
    for row in db.session.scalars(select(StallDayTotal)):
        assert row.market_id == db.session.get(Vendor, row.vendor_id).market_id
    return expected_days


@pytest.fixture
def stalls(client):
    set_partners()
    market = make_market()
    return [make_vendor(market, accounts=[account_data("970436", f"00110012345{n:02d}")]) for n in range(3)]


def local(text):
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def test_every_writer_keeps_the_rollups_equal_to_the_base_tables(client, stalls, tmp_path):
    admin = create_user(None, "admin-rollups", "correct-horse-battery", "admin", None)
    a, b, c = stalls
    account = a.accounts[0]
    # Static sales either side of local midnight, and on the last day of a month.
    for n, when in enumerate(
        [
            "2026-11-21T23:59:30+07:00",
            "2026-11-22T00:00:10+07:00",
            "2026-10-31T23:00:00+07:00",
            "2026-11-01T06:00:00+07:00",
        ]
    ):
        post_simbank(
            client,
            simbank_transfer(account, 10_000 + n, transaction_id=f"T{n}", bank_reference=f"FT-T{n}", booked_at=when),
        )
    assert_rollups_exact()
    # A reversal takes a credit out of its day.
    post_simbank(
        client,
        simbank_transfer(
            account,
            10_001,
            direction="out",
            reverses="T1",
            transaction_id="R1",
            bank_reference="FT-R1",
            booked_at="2026-11-22T08:00:00+07:00",
        ),
    )
    days = assert_rollups_exact()
    assert (a.id, local("2026-11-22T00:00").date()) not in days  # its only credit was reversed
    # Money for an unknown account waits in suspense (no stall's figures), then is assigned to b.
    unknown = SimpleNamespace(bin="970436", account_number="9999999999")
    post_simbank(
        client,
        simbank_transfer(
            unknown, 77_000, transaction_id="U1", bank_reference="FT-U1", booked_at="2026-11-22T10:00:00+07:00"
        ),
    )
    assert_rollups_exact()
    item = db.session.scalar(select(SuspenseItem).where(SuspenseItem.status == "open"))
    resolve_suspense(admin, item.id, {"action": "assign_stall", "vendor_id": b.id})
    db.session.commit()
    days = assert_rollups_exact()
    assert days[(b.id, local("2026-11-22T10:00").date())]["cashless_value"] == 77_000
    # Cash at the stall, and its undo.
    kept = record_cash_sale(admin, c.id, 30_000, 2)
    undone = record_cash_sale(admin, c.id, 5_000)
    db.session.commit()
    delete_cash_sale(admin, undone.id)
    db.session.commit()
    days = assert_rollups_exact()
    assert days[(c.id, kept.occurred_at.astimezone(VN).date())]["cash_value"] == 30_000
    # A statement confirms T0 and recovers a credit the callbacks never brought (T9).
    statement = write_statement(
        tmp_path / "sao-ke.csv",
        [
            (
                "970436",
                account.account_number,
                0,
                [
                    line("T0", "FT-T0", "2026-11-21T23:59:30+07:00", 10_000),
                    line("T9", "FT-T9", "2026-11-21T12:00:00+07:00", 9_000),
                ],
                None,
            )
        ],
    )
    reconcile_file(None, str(statement), "simbank", local("2026-11-21T00:00").date(), "sao-ke.csv")
    db.session.commit()
    drain(current_app._get_current_object())  # the recovered credit is matched like a callback
    days = assert_rollups_exact()
    nov21 = days[(a.id, local("2026-11-21T00:00").date())]
    assert nov21["cashless_value"] == 19_000 and nov21["confirmed_value"] == 19_000


def test_rebuild_gives_the_same_rows_as_the_incremental_refresh(client, stalls):
    rng = random.Random(7)
    start = datetime(2026, 9, 25, tzinfo=UTC)
    for n in range(60):
        stall = rng.choice(stalls)
        when = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 70))
        post_simbank(
            client,
            simbank_transfer(
                stall.accounts[0],
                rng.randrange(1, 50) * 1_000,
                transaction_id=f"X{n}",
                bank_reference=f"FT-X{n}",
                booked_at=when.isoformat(),
            ),
        )
        if rng.random() < 0.4:
            db.session.add(
                CashSale(
                    market_id=stall.market_id,
                    vendor_id=stall.id,
                    amount=rng.randrange(1, 9) * 5_000,
                    count=rng.randrange(1, 3),
                    occurred_at=when + timedelta(minutes=5),
                    source="survey",
                )
            )
            db.session.commit()
    assert_rollups_exact()
    incremental = rollup_totals(), market_day_totals()
    for model in (StallDayTotal, StallMonthTotal, MarketDayTotal):
        db.session.execute(db.delete(model))
    rollups.rebuild(start.date() - timedelta(days=1), (start + timedelta(days=71)).date())
    db.session.commit()
    assert (rollup_totals(), market_day_totals()) == incremental


@pytest.mark.parametrize("seed", range(4))
def test_a_random_mix_of_writes_and_refreshes_stays_exact(client, stalls, seed):
    """Credits, reversals, cash, deletions and refreshes in a random order, one comparison at the end."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 28, 16, tzinfo=UTC)  # near a month's end, local time
    credits = []
    for n in range(40):
        stall = rng.choice(stalls)
        when = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 4))
        roll = rng.random()
        if roll < 0.5:
            body = simbank_transfer(
                stall.accounts[0],
                rng.randrange(1, 100) * 1_000,
                transaction_id=f"S{seed}-{n}",
                bank_reference=f"FT-S{seed}-{n}",
                booked_at=when.isoformat(),
            )
            post_simbank(client, body)
            if rng.random() < 0.3:  # the bank repeats itself
                post_simbank(client, body)
            credits.append((stall, body))
        elif roll < 0.65 and credits:
            stall, body = rng.choice(credits)
            post_simbank(
                client,
                simbank_transfer(
                    stall.accounts[0],
                    body["amount"],
                    direction="out",
                    reverses=body["transaction_id"],
                    transaction_id=f"R{seed}-{n}",
                    bank_reference=f"FT-R{seed}-{n}",
                    booked_at=when.isoformat(),
                ),
            )
        elif roll < 0.9:
            db.session.add(
                CashSale(
                    market_id=stall.market_id,
                    vendor_id=stall.id,
                    amount=rng.randrange(1, 9) * 5_000,
                    count=rng.randrange(1, 4),
                    occurred_at=when,
                    source="stall",
                )
            )
            db.session.commit()
        else:
            sale = db.session.scalar(select(CashSale).order_by(CashSale.id.desc()))
            if sale is not None:
                db.session.delete(sale)
                db.session.commit()
        if rng.random() < 0.2:
            rollups.refresh()
            db.session.commit()
    assert_rollups_exact()
