"""What the office's home page shows of a market's stalls: a bounded, searched page of them with
their accounts, today's payments and the quiet flag. Read only; a handful of queries per page,
whatever the market's size. The caller has checked the actor may read the market."""

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, or_, select

from ..common.local_time import local_zone
from ..common.phone import normalise_phone
from ..extensions import db
from ..payments.models import BankTransaction
from ..stalls.services import quiet_alerts
from ..vendors.models import ReceivingAccount, Vendor

PAGE_SIZE = 50
MAX_QUERY = 100


@dataclass
class StallRow:
    vendor: Vendor
    active_accounts: int
    pending_accounts: int
    today_count: int
    today_value: int
    quiet_minutes: int | None


def _search_condition(query: str):
    """A stall code, a name (display or legal) or a phone number (as typed or normalised)."""
    words = [
        Vendor.stall_code.icontains(query, autoescape=True),
        Vendor.display_name.icontains(query, autoescape=True),
        Vendor.legal_name.icontains(query, autoescape=True),
        Vendor.phone.contains(query, autoescape=True),
    ]
    phone = normalise_phone(query)
    if phone:
        words.append(Vendor.phone == phone)
    return or_(*words)


def local_midnight():
    zone = local_zone()
    return datetime.combine(datetime.now(zone).date(), time.min, tzinfo=zone)


def market_stalls(market, query: str = "", status: str = "", page: int = 1) -> tuple[list[StallRow], bool]:
    """(rows of page `page`, whether there is a next page), stalls ordered by code."""
    query = (query or "").strip()[:MAX_QUERY]
    statement = select(Vendor).where(Vendor.market_id == market.id)
    if query:
        statement = statement.where(_search_condition(query))
    if status in ("active", "suspended"):
        statement = statement.where(Vendor.status == status)
    vendors = db.session.scalars(
        statement.order_by(Vendor.stall_code, Vendor.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    more = len(vendors) > PAGE_SIZE
    vendors = vendors[:PAGE_SIZE]
    ids = [vendor.id for vendor in vendors]
    if not ids:
        return [], more
    accounts: dict[int, tuple[int, int]] = {}
    for vendor_id, account_status, pending_change, count in db.session.execute(
        select(ReceivingAccount.vendor_id, ReceivingAccount.status, ReceivingAccount.pending_change, func.count())
        .where(ReceivingAccount.vendor_id.in_(ids), ReceivingAccount.status.in_(("active", "pending")))
        .group_by(ReceivingAccount.vendor_id, ReceivingAccount.status, ReceivingAccount.pending_change)
    ):
        active, pending = accounts.get(vendor_id, (0, 0))
        if account_status == "active":
            active += count
        if pending_change is not None:  # a new account, or a live one asked to stop
            pending += count
        accounts[vendor_id] = (active, pending)
    today = {
        vendor_id: (count, value or 0)
        for vendor_id, count, value in db.session.execute(
            select(BankTransaction.vendor_id, func.count(), func.sum(BankTransaction.amount))
            .where(
                BankTransaction.vendor_id.in_(ids),
                BankTransaction.direction == "in",
                BankTransaction.match_kind.in_(("request", "static")),
                BankTransaction.booked_at >= local_midnight(),
            )
            .group_by(BankTransaction.vendor_id)
        )
    }
    quiet = quiet_alerts([vendor.id for vendor in vendors if vendor.status == "active"])
    return [
        StallRow(
            vendor,
            *accounts.get(vendor.id, (0, 0)),
            *today.get(vendor.id, (0, 0)),
            quiet[vendor.id]["quiet_minutes"] if vendor.id in quiet else None,
        )
        for vendor in vendors
    ], more
