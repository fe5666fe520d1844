"""The book of one stall over a period: per-day lines (cashless per receiving account, cash) and
grouped totals. Services flush, never commit; the caller commits (downloads write an audit row).

What counts is what the rest of the service counts (reports/rollups.py, the board's totals): a
credit allocated to the stall (a request or a static-QR sale), by the local day it was booked,
unless the bank took it back (a reversed credit counts nowhere; the book shows what was taken
back on the credit's day, so the day's lines add up); and every cash sale the stall recorded, by
the local day it occurred (an undone sale is deleted, so it is not there to count).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..audit.services import record_change
from ..auth.scopes import require_market_read
from ..banks.directory import find_bank
from ..cash.models import CashSale
from ..common.formatting import mask_account
from ..common.local_time import local_zone
from ..common.types import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..markets.models import Market
from ..markets.services import find_market
from ..payments.models import BankTransaction
from ..vendors.models import ReceivingAccount, Vendor
from ..vendors.services import find_vendor
from .periods import GROUPS, MAX_DAYS, group_key

SALE_KINDS = ("request", "static")  # as reports/rollups.py: what is a sale of the stall
CONFIRMED = ("confirmed", "recovered")


@dataclass
class CashlessLine:
    """One day's credits into one receiving account."""

    account_id: int | None
    bank: str
    account: str  # masked: •••• 4567
    count: int = 0
    amount: int = 0  # what counts: credits not reversed
    provisional: int = 0  # of amount, not yet confirmed by a bank statement
    recovered: int = 0  # of amount, known only from a statement (no bank callback)
    reversed_count: int = 0
    reversed_amount: int = 0  # taken back by the bank: not in amount


@dataclass
class Day:
    day: date
    cashless_lines: list = field(default_factory=list)
    cash_count: int = 0
    cash: int = 0

    @property
    def cashless(self) -> int:
        return sum(line.amount for line in self.cashless_lines)

    @property
    def total(self) -> int:
        return self.cashless + self.cash


@dataclass
class GroupRow:
    key: str
    first: date
    last: date
    cashless: int = 0
    cash: int = 0

    @property
    def total(self) -> int:
        return self.cashless + self.cash


@dataclass
class Book:
    vendor: Vendor
    market: Market
    first: date
    last: date
    group: str
    days: list
    rows: list
    produced_at: datetime

    @property
    def cashless(self) -> int:
        return sum(day.cashless for day in self.days)

    @property
    def cash(self) -> int:
        return sum(day.cash for day in self.days)

    @property
    def total(self) -> int:
        return self.cashless + self.cash

    def line_sum(self, name: str) -> int:
        return sum(getattr(line, name) for day in self.days for line in day.cashless_lines)


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = local_zone()
    return datetime.combine(first, time(), tz), datetime.combine(last + timedelta(days=1), time(), tz)


def require_book_read(actor, vendor: Vendor) -> None:
    """The book is the vendor's: the vendor, their market's manager (to print it for them) and
    administrators read it; an assistant serves today's sales and region staff read aggregates only
    (vendors fear tax visibility), so both are refused outright (403); None is the operator's CLI."""
    if actor is None or actor.role == "admin":
        return
    if actor.role == "vendor":
        if actor.vendor_id != vendor.id:
            raise Forbidden("You can only see your own stall.")
        return
    if actor.role == "vendor_assistant":
        raise Forbidden("The revenue book is the vendor's own; an assistant cannot read it.")
    if actor.role == "region_staff":
        raise Forbidden("Region staff see aggregate reports, never a stall's revenue.")
    if actor.role == "market_manager":
        require_market_read(actor, vendor.market)
        return
    raise Forbidden("This stall's revenue book is not yours to read.")


def check_period(first: date, last: date) -> None:
    if first > last:
        raise ValidationFailed(errors={"to": ["The period ends before it starts."]})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(errors={"to": [f"At most {MAX_DAYS} days: ask for one year at a time."]})


def readable_stall(actor, vendor_id: int) -> Vendor:
    """The stall whose book the actor may read: 404 unknown, 403 not theirs to read. Called before
    anything of the request is read or checked, so an outsider learns nothing from the query."""
    vendor = find_vendor(vendor_id)
    require_book_read(actor, vendor)
    return vendor


def stall_book(actor, vendor_id: int, first: date, last: date, group: str = "month") -> Book:
    """404 unknown stall, 403 not the caller's to read, 422 a period over MAX_DAYS or backwards."""
    return book_of(readable_stall(actor, vendor_id), first, last, group)


def book_of(vendor: Vendor, first: date, last: date, group: str = "month") -> Book:
    """The book of a stall whose reading was already allowed (stall_book; the market office's CLI)."""
    check_period(first, last)
    if group not in GROUPS:
        raise ValidationFailed(errors={"group": [f"One of {', '.join(GROUPS)}."]})
    days: dict[date, Day] = {}
    _add_cashless(vendor, first, last, days)
    _add_cash(vendor, first, last, days)
    ordered = [days[day] for day in sorted(days)]
    return Book(
        vendor=vendor,
        market=vendor.market,
        first=first,
        last=last,
        group=group,
        days=ordered,
        rows=_group_rows(ordered, first, last, group),
        produced_at=utcnow(),
    )


def _accounts(vendor: Vendor) -> dict:
    rows = db.session.execute(
        select(ReceivingAccount.id, ReceivingAccount.bin, ReceivingAccount.account_number).where(
            ReceivingAccount.vendor_id == vendor.id
        )
    ).all()
    return {account_id: (bin_code, number) for account_id, bin_code, number in rows}


def _bank_name(bin_code: str | None) -> str:
    bank = find_bank(bin_code) if bin_code else None
    return bank.short_name if bank else (bin_code or "?")


def _add_cashless(vendor: Vendor, first: date, last: date, days: dict) -> None:
    # One range of the (vendor_id, booked_at) index; grouped by local day here, so no time-zone
    # arithmetic lives in SQL (as the rollups do it).
    start, end = utc_bounds(first, last)
    tz, accounts = local_zone(), _accounts(vendor)
    rows = db.session.execute(
        select(
            BankTransaction.receiving_account_id,
            BankTransaction.bin,
            BankTransaction.account_number,
            BankTransaction.booked_at,
            BankTransaction.amount,
            BankTransaction.confirmation,
            BankTransaction.reversed,
        ).where(
            BankTransaction.vendor_id == vendor.id,
            BankTransaction.direction == "in",
            BankTransaction.match_kind.in_(SALE_KINDS),
            BankTransaction.booked_at >= start,
            BankTransaction.booked_at < end,
        )
    )
    lines: dict = defaultdict(dict)
    for account_id, row_bin_code, row_number, booked_at, amount, confirmation, reversed_ in rows:
        day = booked_at.astimezone(tz).date()
        bin_code, number = accounts.get(account_id, (row_bin_code, row_number))
        line = lines[day].get((bin_code, number))
        if line is None:
            line = lines[day][(bin_code, number)] = CashlessLine(account_id, _bank_name(bin_code), mask_account(number))
        if reversed_:
            line.reversed_count += 1
            line.reversed_amount += amount
            continue
        line.count += 1
        line.amount += amount
        if confirmation == "recovered":
            line.recovered += amount
        if confirmation not in CONFIRMED:
            line.provisional += amount
    for day, by_account in lines.items():
        days.setdefault(day, Day(day)).cashless_lines = [by_account[key] for key in sorted(by_account, key=str)]


def _add_cash(vendor: Vendor, first: date, last: date, days: dict) -> None:
    start, end = utc_bounds(first, last)
    tz = local_zone()
    rows = db.session.execute(
        select(CashSale.occurred_at, CashSale.amount, CashSale.count).where(
            CashSale.vendor_id == vendor.id, CashSale.occurred_at >= start, CashSale.occurred_at < end
        )
    )
    for occurred_at, amount, count in rows:
        day = days.setdefault(occurred_at.astimezone(tz).date(), Day(occurred_at.astimezone(tz).date()))
        day.cash += amount
        day.cash_count += count


def _group_rows(days: list, first: date, last: date, group: str) -> list:
    """One row per group the period touches (empty groups included, so a quiet month shows 0)."""
    rows: dict[str, GroupRow] = {}
    day = first
    while day <= last:
        key = group_key(day, group)
        row = rows.get(key)
        if row is None:
            row = rows[key] = GroupRow(key, day, day)
        row.last = day
        day += timedelta(days=1)
    for entry in days:
        row = rows[group_key(entry.day, group)]
        row.cashless += entry.cashless
        row.cash += entry.cash
    return list(rows.values())


def record_download(actor, book: Book, file_format: str) -> None:
    """A book leaving the service (a file) is audited in the stall's log: who took which period."""
    record_change(
        actor,
        "revenue.download",
        "vendor",
        book.vendor.id,
        {"format": file_format, "from": book.first.isoformat(), "to": book.last.isoformat()},
        market_id=book.vendor.market_id,
        vendor_id=book.vendor.id,
    )


def find_stall(market_code: str, stall_code: str) -> Vendor:
    vendor = db.session.scalar(
        select(Vendor)
        .join(Market, Market.id == Vendor.market_id)
        .where(Market.code == market_code, Vendor.stall_code == stall_code)
    )
    if vendor is None:
        raise NotFound(f"No stall {stall_code} in market {market_code}.")
    return vendor


def market_stalls(market_code: str) -> list:
    market = find_market(market_code)
    return list(db.session.scalars(select(Vendor).where(Vendor.market_id == market.id).order_by(Vendor.stall_code)))
