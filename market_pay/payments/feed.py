"""The stall feed: a stall's confirmed credits (and reversals) in the order they committed."""

from sqlalchemy import select

from ..auth.scopes import require_vendor_read
from ..common.schemas import db_int_or_none
from ..errors import ValidationFailed
from ..extensions import db
from ..vendors.services import find_vendor
from .models import BankTransaction, PaymentRequest
from .privacy import start_of_today, today_only

MAX_LIMIT = 500


def parse_after(after: str | None) -> int:
    """The cursor is the last feed number seen ("0" or absent: from the start)."""
    if after in (None, ""):
        return 0
    since = db_int_or_none(after)  # a feed number is a database integer: nothing beyond
    if since is None:
        raise ValidationFailed(errors={"after": ["Not a cursor this service issued."]})
    return since


def stall_feed(actor, vendor_id: int, after: str | None, limit: int) -> tuple[list, str]:
    """(items, cursor to pass as `after` next time). The cursor never skips or repeats: feed
    numbers are handed out per stall in commit order (see FeedCounter)."""
    vendor = find_vendor(vendor_id)
    require_vendor_read(actor, vendor)
    since = parse_after(after)
    query = (
        select(BankTransaction, PaymentRequest.reference)
        .outerjoin(PaymentRequest, PaymentRequest.id == BankTransaction.payment_request_id)
        .where(BankTransaction.vendor_id == vendor.id, BankTransaction.feed_seq > since)
    )
    if today_only(actor):
        # Booked or confirmed today: a credit booked just before midnight and reported after it
        # is still announced on the assistant's board.
        today = start_of_today()
        query = query.where((BankTransaction.booked_at >= today) | (BankTransaction.received_at >= today))
    rows = db.session.execute(query.order_by(BankTransaction.feed_seq).limit(min(limit, MAX_LIMIT))).all()
    items = [_item(txn, reference) for txn, reference in rows]
    cursor = str(rows[-1][0].feed_seq) if rows else str(since)
    return items, cursor


def _item(txn: BankTransaction, request_reference: str | None) -> dict:
    flags = [name for name in ("underpaid", "overpaid", "below_floor", "late", "reversed") if getattr(txn, name)]
    return {
        "id": txn.id,
        "seq": txn.feed_seq,
        "kind": "reversal" if txn.match_kind == "reversal" else "credit",
        "amount": txn.amount,
        "booked_at": txn.booked_at,
        "received_at": txn.received_at,
        "payer_name": txn.payer_name,
        "bank_reference": txn.bank_reference,
        "request_reference": request_reference,
        "flags": flags,
        "confirmation": txn.confirmation,
        # Booked from a bank statement, no bank callback (yet): shown as such, for review.
        "recovered": txn.confirmation == "recovered",
    }


def todays_feed(actor, vendor_id: int, limit: int) -> list:
    """The stall's latest `limit` feed items booked or confirmed today (local day), oldest first:
    what the board lists under "Vừa nhận" when it opens."""
    vendor = find_vendor(vendor_id)
    require_vendor_read(actor, vendor)
    today = start_of_today()
    rows = db.session.execute(
        select(BankTransaction, PaymentRequest.reference)
        .outerjoin(PaymentRequest, PaymentRequest.id == BankTransaction.payment_request_id)
        .where(
            BankTransaction.vendor_id == vendor.id,
            BankTransaction.feed_seq.is_not(None),
            (BankTransaction.booked_at >= today) | (BankTransaction.received_at >= today),
        )
        .order_by(BankTransaction.feed_seq.desc())
        .limit(min(limit, MAX_LIMIT))
    ).all()
    return [_item(txn, reference) for txn, reference in reversed(rows)]
