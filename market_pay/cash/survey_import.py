"""Cash survey counts from a CSV, for markets where vendors do not log cash: all rows or none.

Columns: date (YYYY-MM-DD or dd/mm/yyyy), market_code, stall_code (empty: the market as a
whole), count, value (whole đồng). A survey states a day's cash, so importing a row again
replaces that (market, stall, day)'s earlier survey instead of adding to it: a corrected file
can be imported over the first one.

Two imports of the same market at once (a double-clicked upload, the office and the command
line together) take turns: on PostgreSQL each takes a transaction-scoped advisory lock per market
before it deletes, so the second sees (and replaces) what the first committed instead of missing
its uncommitted row and adding a second one; SQLite lets one writer in at a time anyway (every
transaction begins IMMEDIATE, extensions.py). The unique indexes on cash_sale (cash/models.py)
hold the rule for any other writer: a second row for the same day is refused.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select, true
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from ..audit.services import record_change
from ..common.csv_import import csv_rows, raise_row_errors
from ..common.local_time import local_zone
from ..common.money import MAX_LINE_AMOUNT
from ..common.types import utcnow
from ..common.upsert import rowcount
from ..errors import Conflict
from ..extensions import db
from ..markets.models import Market
from ..vendors.models import Vendor
from .models import CashSale

REQUIRED_COLUMNS = ("date", "market_code", "count", "value")
# Surveys are counted after the fact; a year back covers a programme's baseline survey.
MAX_AGE_DAYS = 400
# A day's cash of one stall or market above this is a typo (one extra zero), not a survey.
MAX_VALUE = 100_000_000_000
# Any fixed number: the first key of the advisory lock (the market's id is the second) that makes
# two imports of one market's survey take turns on PostgreSQL. The two-key locks are a space of
# their own, apart from the one-key locks of the matcher, rollups and reconciliation.
SURVEY_LOCK_SPACE = 7_340_020


def _parse_date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date: no zone)
        except ValueError:
            continue
    raise ValueError("Use YYYY-MM-DD or dd/mm/yyyy.")


def _whole_number(text: str, field: str, errors: dict, low: int, high: int):
    if not text.isdigit() or not low <= int(text) <= high:
        errors[field] = [f"A whole number from {low:,} to {high:,}.".replace(",", ".")]
        return None
    return int(text)


def _parse(reader, markets: dict, stalls: dict, today: date):
    rows, errors = [], {}
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        problems = {}
        try:
            day = _parse_date(row.get("date", ""))
            if day > today or day < today - timedelta(days=MAX_AGE_DAYS):
                problems["date"] = [f"Not in the future, and at most {MAX_AGE_DAYS} days back."]
        except ValueError as exc:
            day, problems["date"] = None, [str(exc)]
        market = markets.get(row.get("market_code", ""))
        if market is None:
            problems["market_code"] = ["No such market."]
        stall_code = row.get("stall_code", "")
        vendor_id = None
        if stall_code and market is not None:
            vendor_id = stalls.get((market, stall_code))
            if vendor_id is None:
                problems["stall_code"] = ["No such stall in this market."]
        count = _whole_number(row.get("count", ""), "count", problems, 0, 1_000_000)
        value = _whole_number(row.get("value", ""), "value", problems, 0, MAX_VALUE)
        if count == 0 and value:
            problems["count"] = ["A value needs at least one sale."]
        elif count and value and value > count * MAX_LINE_AMOUNT:
            # A survey row adds up `count` sales: none of them may pass the bound on one line.
            problems["value"] = [f"At most {MAX_LINE_AMOUNT:,} đồng per sale ({count} sales).".replace(",", ".")]
        key = (market, vendor_id, day)
        if not problems and key in seen:
            problems["date"] = [f"Repeats row {seen[key]} (same market, stall and day)."]
        if problems:
            errors[f"row {number}"] = problems
            continue
        seen[key] = number
        rows.append({"market_id": market, "vendor_id": vendor_id, "day": day, "count": count, "value": value})
    return rows, errors


def _replace_days(rows: list[dict], zone) -> int:
    """Delete each row's (market, stall, day) survey and write the new one; the rows deleted."""
    replaced = 0
    now = utcnow()
    for row in rows:
        start = datetime.combine(row["day"], time(), zone)
        stall = CashSale.vendor_id.is_(None) if row["vendor_id"] is None else CashSale.vendor_id == row["vendor_id"]
        replaced += rowcount(
            db.session.execute(
                delete(CashSale).where(
                    CashSale.source == "survey",
                    CashSale.market_id == row["market_id"],
                    stall,
                    CashSale.occurred_at >= start,
                    CashSale.occurred_at < start + timedelta(days=1),
                )
            )
        )
        if row["count"]:
            # Noon: the day is the survey's, whichever way a time zone is later misapplied; and
            # one instant per day is what the unique indexes on (market, stall, occurred_at) hold.
            db.session.add(
                CashSale(
                    market_id=row["market_id"],
                    vendor_id=row["vendor_id"],
                    amount=row["value"],
                    count=row["count"],
                    occurred_at=datetime.combine(row["day"], time(12), zone),
                    source="survey",
                    created_at=now,
                )
            )
    db.session.flush()
    return replaced


def _take_turns(market_ids: set[int]):
    """Wait for any other import of these markets' surveys to commit (PostgreSQL). In id order,
    so two files naming the same markets cannot each hold one and wait for the other."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for market_id in sorted(market_ids):
        db.session.execute(
            sql("SELECT pg_advisory_xact_lock(:space, :market)"), {"space": SURVEY_LOCK_SPACE, "market": market_id}
        )


def import_cash_survey(text: str, actor=None, market=None) -> dict:
    """Validate every row, then replace each (market, stall, day)'s survey. Returns counts.

    `actor` None is the operator's command line (any market). With `market` (the market office,
    whose caller has checked the actor may manage it) only that market's rows are accepted: any
    other market code is "No such market", saying nothing of markets outside the scope."""
    reader = csv_rows(text, REQUIRED_COLUMNS)
    zone = local_zone()
    only = (Market.id == market.id) if market is not None else true()
    markets = dict(db.session.execute(select(Market.code, Market.id).where(only)).all())
    stalls = {
        (market_id, code): vendor_id
        for vendor_id, market_id, code in db.session.execute(
            select(Vendor.id, Vendor.market_id, Vendor.stall_code).where(
                (Vendor.market_id == market.id) if market is not None else true()
            )
        )
    }
    rows, errors = _parse(reader, markets, stalls, datetime.now(zone).date())
    raise_row_errors(errors)
    _take_turns({row["market_id"] for row in rows})
    try:
        replaced = _replace_days(rows, zone)
    except IntegrityError:
        # Only a writer that did not take the lock can get here: the indexes keep one row a day.
        raise Conflict(
            "Another import of the same day's survey was written meanwhile; import the file again."
        ) from None
    summary = {"rows": len(rows), "replaced": replaced, "markets": len({row["market_id"] for row in rows})}
    record_change(
        actor, "cash_survey.import", "cash_sale", "survey", summary, market_id=market.id if market is not None else None
    )
    return summary
