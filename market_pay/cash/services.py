"""Record and undo cash sales; today's takings of a stall. Services flush, the caller commits."""

from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record_change
from ..auth.models import STALL_ROLES
from ..auth.scopes import require_vendor_read
from ..common.local_time import local_zone
from ..common.types import utcnow
from ..common.upsert import rowcount
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..payments.models import BankTransaction
from ..vendors.services import find_vendor
from .models import CashSale

# A vendor undoes a mistyped sale at once; after this long the sale stands (a manager may still
# remove it), so figures already read by someone do not silently change later.
UNDO_MINUTES = 10
# How far back a stall may date a sale it forgot to enter (a survey import has no such limit).
BACKDATE_DAYS = 7


def _require_take_payments(actor, vendor):
    """Vendor and assistant of the stall, its market's manager, or an administrator."""
    require_vendor_read(actor, vendor)
    if actor.role == "region_staff":
        raise Forbidden("Region staff read figures; they do not record sales.")


def record_cash_sale(
    actor, vendor_id: int, amount: int, count: int = 1, occurred_at: datetime | None = None
) -> CashSale:
    """A cash sale of the stall. 404 unknown stall, 403 out of scope, 409 suspended stall,
    422 a time in the future or more than BACKDATE_DAYS back."""
    return record_cash_sale_once(actor, vendor_id, amount, None, count, occurred_at)[0]


def _sale_with_key(vendor_id: int, key: str):
    return db.session.scalar(select(CashSale).where(CashSale.vendor_id == vendor_id, CashSale.idempotency_key == key))


def _replay(existing: CashSale, amount: int, count: int) -> tuple[CashSale, bool]:
    if (existing.amount, existing.count) != (amount, count):
        raise Conflict("This Idempotency-Key was used with a different cash sale.")
    return existing, False


def record_cash_sale_once(
    actor, vendor_id: int, amount: int, idempotency_key: str | None, count: int = 1, occurred_at: datetime | None = None
) -> tuple[CashSale, bool]:
    """(sale, created). The same key again (a resend after a lost answer, the board's offline
    queue) returns the first sale; with another amount or count it is a 409. Errors as
    record_cash_sale. The unique (vendor, key) constraint settles two sends racing."""
    vendor = find_vendor(vendor_id)
    _require_take_payments(actor, vendor)
    if idempotency_key:
        existing = _sale_with_key(vendor.id, idempotency_key)
        if existing is not None:
            return _replay(existing, amount, count)
    if vendor.status != "active":
        raise Conflict("This stall is suspended; it cannot record sales.")
    now = utcnow()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationFailed(errors={"occurred_at": ["A sale cannot be in the future."]})
    if occurred_at < now - timedelta(days=BACKDATE_DAYS):
        raise ValidationFailed(errors={"occurred_at": [f"At most {BACKDATE_DAYS} days back."]})
    sale = CashSale(
        market_id=vendor.market_id,
        vendor_id=vendor.id,
        amount=amount,
        count=count,
        occurred_at=occurred_at,
        source="stall",
        recorded_by_user_id=actor.id,
        created_at=now,
        idempotency_key=idempotency_key,
    )
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending before it starts, and
        # a duplicate key raised there would break the whole transaction instead of the savepoint.
        with db.session.begin_nested():
            db.session.add(sale)
            db.session.flush()
    except IntegrityError:
        # The same key raced in from another worker: answer as the replay it is.
        existing = _sale_with_key(vendor.id, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _replay(existing, amount, count)
    record_change(
        actor,
        "cash_sale.create",
        "cash_sale",
        sale.id,
        {"vendor_id": vendor.id, "amount": amount, "count": count},
        market_id=vendor.market_id,
        vendor_id=vendor.id,
    )
    return sale, True


def delete_cash_sale(actor, sale_id: int) -> CashSale:
    """Undo: the author within UNDO_MINUTES, or the market's manager / an administrator."""
    sale = db.session.get(CashSale, sale_id)
    if sale is None or sale.vendor_id is None:
        raise NotFound("No such cash sale.")
    vendor = find_vendor(sale.vendor_id)
    _require_take_payments(actor, vendor)
    is_manager = actor.role == "admin" or (actor.role == "market_manager" and actor.market_id == vendor.market_id)
    if not is_manager:
        if actor.role not in STALL_ROLES or sale.recorded_by_user_id != actor.id:
            raise Forbidden("Only the person who recorded this sale, or the market's manager, may undo it.")
        if utcnow() - sale.created_at > timedelta(minutes=UNDO_MINUTES):
            raise Conflict(f"A sale can be undone only in the first {UNDO_MINUTES} minutes; ask the market's manager.")
    # One conditional DELETE decides between concurrent undos of the sale: on PostgreSQL the
    # second waits on the first's row lock and then deletes nothing (SQLite runs them one after
    # the other). Only the winner is audited; the others find no such sale.
    deleted = rowcount(
        db.session.execute(delete(CashSale).where(CashSale.id == sale.id).execution_options(synchronize_session=False))
    )
    if deleted != 1:
        raise NotFound("No such cash sale.")
    db.session.expunge(sale)
    record_change(
        actor,
        "cash_sale.delete",
        "cash_sale",
        sale.id,
        {"vendor_id": sale.vendor_id, "amount": sale.amount, "count": sale.count},
        market_id=vendor.market_id,
        vendor_id=vendor.id,
    )
    return sale


def local_day_bounds(day=None) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day (today by default) as aware datetimes."""
    zone = local_zone()
    day = day or datetime.now(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def today_totals(vendor) -> dict:
    """The board's big numbers: today's cashless credits (less what the bank took back) and cash."""
    start, end = local_day_bounds()
    credits = db.session.execute(
        select(func.count(), func.coalesce(func.sum(BankTransaction.amount), 0)).where(
            BankTransaction.vendor_id == vendor.id,
            BankTransaction.direction == "in",
            BankTransaction.match_kind.in_(("request", "static")),
            BankTransaction.reversed.is_(False),
            BankTransaction.booked_at >= start,
            BankTransaction.booked_at < end,
        )
    ).one()
    cash = db.session.execute(
        select(func.coalesce(func.sum(CashSale.count), 0), func.coalesce(func.sum(CashSale.amount), 0)).where(
            CashSale.vendor_id == vendor.id, CashSale.occurred_at >= start, CashSale.occurred_at < end
        )
    ).one()
    return {
        "cashless_count": int(credits[0]),
        "cashless_total": int(credits[1]),
        "cash_count": int(cash[0]),
        "cash_total": int(cash[1]),
    }
