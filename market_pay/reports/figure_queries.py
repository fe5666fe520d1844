"""The adoption figures of a set of markets over a period, per stall, from the rollups (the
tests check them against the base tables: tests/reports/base_figures.py)."""

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select, union_all

from ..cash.models import CashSale
from ..common.bulk import in_values
from ..common.local_time import local_zone
from ..extensions import db
from ..vendors.models import ReceivingAccount, Vendor
from .models import MarketDayTotal, StallDayTotal, StallMonthTotal
from .periods import Period
from .rollups import FIGURES


def _market_filter(column, market_ids):
    return [] if market_ids is None else [in_values(column, market_ids)]


def stall_figures(market_ids, period: Period) -> dict:
    """{vendor_id: (market_id, {figure: value})} of the stalls with any figure in the period.
    market_ids None: every market."""
    day, month = StallDayTotal, StallMonthTotal
    sums = lambda table: [getattr(table, name) for name in FIGURES]  # noqa: E731
    whole = period.whole_months()
    if whole is None:
        pieces = [
            select(day.vendor_id, day.market_id, *sums(day)).where(
                day.day >= period.first, day.day <= period.last, *_market_filter(day.market_id, market_ids)
            )
        ]
    else:
        # Whole months from the month rows (a year is 12 rows per stall), the ragged ends by day.
        pieces = [
            select(month.vendor_id, month.market_id, *sums(month)).where(
                month.month >= whole[0], month.month < whole[1], *_market_filter(month.market_id, market_ids)
            ),
            select(day.vendor_id, day.market_id, *sums(day)).where(
                or_(
                    and_(day.day >= period.first, day.day < whole[0]), and_(day.day >= whole[1], day.day <= period.last)
                ),
                *_market_filter(day.market_id, market_ids),
            ),
        ]
    rows = union_all(*pieces).subquery() if len(pieces) > 1 else pieces[0].subquery()
    query = select(rows.c.vendor_id, rows.c.market_id, *(func.sum(rows.c[name]) for name in FIGURES)).group_by(
        rows.c.vendor_id, rows.c.market_id
    )
    return {
        vendor_id: (market_id, {name: int(value) for name, value in zip(FIGURES, values, strict=True)})
        for vendor_id, market_id, *values in db.session.execute(query)
    }


def survey_cash(market_ids, period: Period) -> dict:
    """{market_id: (count, value)} of market-wide survey counts (no stall named)."""
    start, end = period.utc_bounds()
    query = (
        select(CashSale.market_id, func.sum(CashSale.count), func.sum(CashSale.amount))
        .where(
            CashSale.vendor_id.is_(None),
            CashSale.occurred_at >= start,
            CashSale.occurred_at < end,
            *_market_filter(CashSale.market_id, market_ids),
        )
        .group_by(CashSale.market_id)
    )
    return {market_id: (int(count), int(value)) for market_id, count, value in db.session.execute(query)}


def registry(market_ids, period: Period) -> dict:
    """{market_id: (stalls registered by the period's end, of them with a QR account live then)}."""
    end = period.utc_bounds()[1]
    registered = (
        select(Vendor.market_id, func.count())
        .where(Vendor.created_at < end, *_market_filter(Vendor.market_id, market_ids))
        .group_by(Vendor.market_id)
    )
    live_account = (
        select(ReceivingAccount.id)
        .where(
            ReceivingAccount.vendor_id == Vendor.id,
            ReceivingAccount.created_at < end,
            # A pending or rejected account was never live (it waits for, or lacked, the vendor's PIN).
            ReceivingAccount.status.in_(("active", "inactive")),
            or_(ReceivingAccount.deactivated_at.is_(None), ReceivingAccount.deactivated_at >= end),
        )
        .exists()
    )
    with_qr = (
        select(Vendor.market_id, func.count())
        .where(Vendor.created_at < end, live_account, *_market_filter(Vendor.market_id, market_ids))
        .group_by(Vendor.market_id)
    )
    counts: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    for market_id, count in db.session.execute(registered):
        counts[market_id][0] = count
    for market_id, count in db.session.execute(with_qr):
        counts[market_id][1] = count
    return {market_id: tuple(pair) for market_id, pair in counts.items()}


def daily_values(market_ids, period: Period) -> dict:
    """{day: (cashless_value, cash_value, cashless_count, cash_count)} over the markets (the trend)."""
    day = MarketDayTotal
    query = (
        select(
            day.day,
            func.sum(day.cashless_value),
            func.sum(day.cash_value),
            func.sum(day.cashless_count),
            func.sum(day.cash_count),
        )
        .where(day.day >= period.first, day.day <= period.last, *_market_filter(day.market_id, market_ids))
        .group_by(day.day)
    )
    result = {row[0]: tuple(int(value) for value in row[1:]) for row in db.session.execute(query)}
    start, end = period.utc_bounds()
    # Market-wide survey cash, by its local day.
    surveys = select(CashSale.occurred_at, CashSale.count, CashSale.amount).where(
        CashSale.vendor_id.is_(None),
        CashSale.occurred_at >= start,
        CashSale.occurred_at < end,
        *_market_filter(CashSale.market_id, market_ids),
    )
    for occurred_at, count, amount in db.session.execute(surveys):
        local_day = occurred_at.astimezone(local_zone()).date()
        cashless, cash, cashless_count, cash_count = result.get(local_day, (0, 0, 0, 0))
        result[local_day] = (cashless, cash + amount, cashless_count, cash_count + count)
    return result


def weekly_trend(market_ids, period: Period, cash_market_ids: list[int], today: date) -> list[dict]:
    """Per week the period touches: its values over every market, the cashless share by value over
    the markets that record cash in the period (as the report's total share), how many of its days
    lie in the period up to today (`days`, partial below 7) and whether any figure exists yet."""
    days = daily_values(market_ids, period)
    if market_ids is not None and set(cash_market_ids) == set(market_ids):
        cash_days = days
    else:
        cash_days = daily_values(cash_market_ids, period) if cash_market_ids else {}
    weeks, seen_data = [], False
    for monday in period.weeks():
        totals, basis, counted = [0, 0, 0, 0], [0, 0], 0
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if period.first <= day <= min(period.last, today):
                counted += 1
            for index, value in enumerate(days.get(day, (0, 0, 0, 0))):
                totals[index] += value
            cashless, cash = cash_days.get(day, (0, 0, 0, 0))[:2]
            basis[0], basis[1] = basis[0] + cashless, basis[1] + cash
        seen_data = seen_data or any(totals)
        share = basis[0] / (basis[0] + basis[1]) if basis[1] else None
        weeks.append(
            {
                "week_start": monday,
                "cashless_value": totals[0],
                "cash_value": totals[1],
                "cashless_count": totals[2],
                "cash_count": totals[3],
                "share_by_value": share,
                "days": counted,
                "partial": counted < 7,
                "has_data": seen_data,
            }
        )
    return weeks
