"""Keep stall_day_total and stall_month_total equal to an aggregation of the base tables.

refresh() claims every marker the triggers left (reports/triggers.py), recomputes those stalls'
days from bank_transaction and cash_sale, then their months from the days. Recomputing (rather
than adding deltas in each writer) makes a refresh idempotent and exact by construction.

Why it is race-free: a marker commits with the change it marks. The claim (DELETE … RETURNING)
takes only the markers its snapshot sees, and the recomputation, a later statement, sees at least
those changes; a change committed later keeps its own marker for the next refresh. Refreshes
take turns (an advisory lock on PostgreSQL; SQLite has one writer anyway), so an older
recomputation never overwrites a newer one.
"""

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..app_state import app_state
from ..cash.models import CashSale
from ..common.bulk import in_values
from ..common.local_time import local_zone
from ..extensions import db
from ..payments.models import BankTransaction
from ..payments.signals import matching_drained
from ..vendors.models import Vendor
from .models import MarketDayTotal, RollupDirty, StallDayTotal, StallMonthTotal

log = logging.getLogger(__name__)
# Any fixed number: the advisory lock that makes refreshes take turns.
ROLLUP_LOCK_KEY = 7_340_002
# What counts as a stall's cashless sale: a credit allocated to it, not reversed since.
SALE_KINDS = ("request", "static")
CONFIRMED = ("confirmed", "recovered")
FIGURES = ("cashless_count", "cashless_value", "confirmed_value", "recovered_value", "cash_count", "cash_value")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local calendar day."""
    tz = local_zone()
    return (
        datetime.combine(day, time(), tz).astimezone(ZoneInfo("UTC")),
        datetime.combine(day + timedelta(days=1), time(), tz).astimezone(ZoneInfo("UTC")),
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def sale_filter(table=BankTransaction):
    return (table.direction == "in", table.match_kind.in_(SALE_KINDS), table.reversed.is_(False))


def base_stall_figures(start: datetime, end: datetime, vendor_ids=None):
    """{vendor_id: {figure: value}} straight from the base tables for [start, end)."""
    confirmed = func.sum(case((BankTransaction.confirmation.in_(CONFIRMED), BankTransaction.amount), else_=0))
    recovered = func.sum(case((BankTransaction.confirmation == "recovered", BankTransaction.amount), else_=0))
    bank = (
        select(BankTransaction.vendor_id, func.count(), func.sum(BankTransaction.amount), confirmed, recovered)
        .where(*sale_filter(), BankTransaction.booked_at >= start, BankTransaction.booked_at < end)
        .group_by(BankTransaction.vendor_id)
    )
    cash = (
        select(CashSale.vendor_id, func.sum(CashSale.count), func.sum(CashSale.amount))
        .where(CashSale.vendor_id.is_not(None), CashSale.occurred_at >= start, CashSale.occurred_at < end)
        .group_by(CashSale.vendor_id)
    )
    if vendor_ids is not None:
        bank = bank.where(in_values(BankTransaction.vendor_id, vendor_ids))
        cash = cash.where(in_values(CashSale.vendor_id, vendor_ids))
    figures: defaultdict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for vendor_id, count, value, confirmed_value, recovered_value in db.session.execute(bank):
        figures[vendor_id].update(
            cashless_count=count,
            cashless_value=int(value),
            confirmed_value=int(confirmed_value),
            recovered_value=int(recovered_value),
        )
    for vendor_id, count, value in db.session.execute(cash):
        figures[vendor_id].update(cash_count=int(count), cash_value=int(value))
    return figures


def recompute_days(day: date, vendor_ids=None):
    """Rewrite the day's rows of these stalls (None: every stall) from the base tables, then
    their markets' day rows from the stall rows."""
    figures = base_stall_figures(*day_bounds(day), vendor_ids)
    markets = dict(
        db.session.execute(
            select(Vendor.id, Vendor.market_id).where(
                *([] if vendor_ids is None else [in_values(Vendor.id, vendor_ids)])
            )
        ).all()
    )
    stale = delete(StallDayTotal).where(StallDayTotal.day == day)
    if vendor_ids is not None:
        stale = stale.where(in_values(StallDayTotal.vendor_id, vendor_ids))
    db.session.execute(stale)
    rows = [
        {"vendor_id": vendor_id, "market_id": markets[vendor_id], "day": day, **values}
        for vendor_id, values in figures.items()
        if any(values.values())
    ]
    if rows:
        db.session.execute(insert(StallDayTotal), rows)
    recompute_market_day(day, None if vendor_ids is None else set(markets.values()))


def recompute_market_day(day: date, market_ids=None):
    stale = delete(MarketDayTotal).where(MarketDayTotal.day == day)
    sums = (
        select(StallDayTotal.market_id, *(func.sum(getattr(StallDayTotal, name)) for name in FIGURES))
        .where(StallDayTotal.day == day)
        .group_by(StallDayTotal.market_id)
    )
    if market_ids is not None:
        stale = stale.where(in_values(MarketDayTotal.market_id, market_ids))
        sums = sums.where(in_values(StallDayTotal.market_id, market_ids))
    db.session.execute(stale)
    rows = [
        {"market_id": market_id, "day": day, **{name: int(value) for name, value in zip(FIGURES, values, strict=True)}}
        for market_id, *values in db.session.execute(sums)
    ]
    if rows:
        db.session.execute(insert(MarketDayTotal), rows)


def recompute_months(month: date, vendor_ids=None):
    """Rewrite the month's rows of these stalls from their day rows."""
    stale = delete(StallMonthTotal).where(StallMonthTotal.month == month)
    days = (
        select(
            StallDayTotal.vendor_id,
            StallDayTotal.market_id,
            *(func.sum(getattr(StallDayTotal, name)) for name in FIGURES),
        )
        .where(StallDayTotal.day >= month, StallDayTotal.day < next_month(month))
        .group_by(StallDayTotal.vendor_id, StallDayTotal.market_id)
    )
    if vendor_ids is not None:
        stale = stale.where(in_values(StallMonthTotal.vendor_id, vendor_ids))
        days = days.where(in_values(StallDayTotal.vendor_id, vendor_ids))
    db.session.execute(stale)
    rows = [
        {
            "vendor_id": vendor_id,
            "market_id": market_id,
            "month": month,
            **{name: int(value) for name, value in zip(FIGURES, values, strict=True)},
        }
        for vendor_id, market_id, *values in db.session.execute(days)
    ]
    if rows:
        db.session.execute(insert(StallMonthTotal), rows)


def _take_turn():
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SELECT pg_advisory_xact_lock({ROLLUP_LOCK_KEY})"))


def _isolated(work, vendor_ids: set) -> set:
    """Run work(vendor_ids) in a savepoint; if it fails, run it stall by stall, each in its own
    savepoint. Returns the stalls whose work failed (their rows are left as they were): one
    stall's bad data never stops the others' figures, nor makes a report answer 500."""
    try:
        with db.session.begin_nested():
            work(vendor_ids)
        return set()
    except (SQLAlchemyError, OverflowError) as error:
        if getattr(error, "connection_invalidated", False):
            raise  # the database is gone: not one stall's problem
    failed = set()
    for vendor_id in sorted(vendor_ids):
        try:
            with db.session.begin_nested():
                work({vendor_id})
        except (SQLAlchemyError, OverflowError) as error:
            if getattr(error, "connection_invalidated", False):
                raise
            failed.add(vendor_id)
    return failed


def refresh() -> int:
    """Recompute every marked stall-day and its month; the caller commits. Returns the number
    of stall-days recomputed. A stall whose recomputation fails keeps its markers (retried on the
    next refresh) and is logged; every other stall is brought up to date."""
    _take_turn()
    claimed = db.session.execute(delete(RollupDirty).returning(RollupDirty.vendor_id, RollupDirty.at)).all()
    if not claimed:
        return 0
    tz = local_zone()
    by_day = defaultdict(set)
    for vendor_id, at in claimed:
        by_day[at.astimezone(tz).date()].add(vendor_id)
    by_month, failed = defaultdict(set), set()
    for day, vendor_ids in sorted(by_day.items()):
        failed |= _isolated(lambda ids, day=day: recompute_days(day, ids), vendor_ids)
        by_month[month_start(day)].update(vendor_ids - failed)
    for month, vendor_ids in sorted(by_month.items()):
        failed |= _isolated(lambda ids, month=month: recompute_months(month, ids), vendor_ids - failed)
    if failed:
        log.error("rollup refresh failed for stalls %s; their markers are kept for a retry", sorted(failed))
        kept = {(vendor_id, at.astimezone(tz).date()): at for vendor_id, at in claimed if vendor_id in failed}
        db.session.execute(
            insert(RollupDirty), [{"vendor_id": vendor_id, "at": at} for (vendor_id, _), at in sorted(kept.items())]
        )
    return sum(len(vendor_ids - failed) for vendor_ids in by_day.values())


def rebuild(first: date, last: date) -> None:
    """Recompute every stall's days and months from first to last (the bulk loader; repair)."""
    _take_turn()
    day = first
    while day <= last:
        recompute_days(day)
        day += timedelta(days=1)
    month = month_start(first)
    while month <= last:
        recompute_months(month)
        month = next_month(month)


# The rollups are brought up to date at most this often by a matcher (a report refreshes them
# itself before reading, so this only keeps the backlog of marked stall-days short). A refresh
# recomputes each touched stall-day whole, so its cost grows with the stalls touched, not with the
# callbacks: every 10 s instead of every 2 s cut the matcher's share of a 1,000/s burst by about
# half (bench_callbacks.py, "matcher" CPU per callback).
ROLLUP_REFRESH_SECONDS = 10.0


@matching_drained.connect
def refresh_after_matching(app, **_):
    """A matcher finished its batches (payments/signals.py): refresh, at most every
    ROLLUP_REFRESH_SECONDS per app, in a transaction of its own."""
    state = app_state(app)
    if monotonic() - state.last_rollup_refresh < ROLLUP_REFRESH_SECONDS:
        return
    state.last_rollup_refresh = monotonic()
    try:
        refresh()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
