"""What a dynamic QR's pages may show at each moment of its life (the shopper's /pay page and the
stall board's QR screen share it).

A code stays scannable only while paying it is still right: a pending request before its expiry,
or an underpaid one (then the code is for the remainder only, so a re-scan never pays the whole
amount twice). Paid, expired and cancelled requests show one final state and nothing to scan or
type. The remainder code carries the same content (the request's reference first), so the matcher
applies the second transfer to the same request (allocation.apply_to_request adds it up).
"""

from sqlalchemy import func, select

from ..common.formatting import format_vnd
from ..common.local_time import local_zone
from ..common.page_texts import text
from ..common.types import utcnow
from ..extensions import db
from ..vietqr.codec import build, parse
from .models import BankTransaction, PaymentRequest

PAID = ("paid", "overpaid", "paid_late")
FINAL = PAID + ("expired", "cancelled")


def due_amount(payment_request: PaymentRequest) -> int:
    """What the shopper still owes: the whole amount, or the remainder of an underpaid request."""
    return max(payment_request.amount - payment_request.paid_amount, 0)


def is_payable(payment_request: PaymentRequest, status: str) -> bool:
    """Pending, or underpaid before the expiry (after it the vendor makes a new code)."""
    if status == "pending":
        return True
    return status == "underpaid" and utcnow() <= payment_request.expires_at


def payable_payload(payment_request: PaymentRequest) -> str:
    """The VietQR to show: the request's own payload, or the same account and content with the
    remainder as the amount."""
    due = due_amount(payment_request)
    if payment_request.paid_amount <= 0 or due == payment_request.amount:
        return payment_request.payload
    issued = parse(payment_request.payload)
    return build(issued.bin, issued.account, amount=due, purpose=issued.purpose)


def _settled_at(payment_request: PaymentRequest, status: str):
    if status in PAID or status == "underpaid":
        return db.session.scalar(
            select(func.max(BankTransaction.booked_at)).where(BankTransaction.payment_request_id == payment_request.id)
        )
    if status == "cancelled":
        return payment_request.cancelled_at
    return payment_request.expires_at


def state_view(payment_request: PaymentRequest, status: str, lang: str) -> dict:
    """The words and figures of the request's current state, in the reader's language."""
    zone = local_zone()
    payable = is_payable(payment_request, status)
    due = due_amount(payment_request)
    when = _settled_at(payment_request, status) if status != "pending" else None
    view = {
        "final": status in FINAL,
        "payable": payable,
        "due": due,
        "due_text": format_vnd(due, lang),
        "settled_at": when.isoformat() if when else None,
        "settled_text": when.astimezone(zone).strftime("%d/%m/%Y %H:%M") if when else "",
        "headline": "",
        "detail": "",
        "next_step": "",
    }
    if status in PAID:
        view["headline"] = text(lang, "final_paid")
        view["final_amount_text"] = format_vnd(payment_request.paid_amount, lang)
        if status != "paid":
            view["detail"] = text(lang, f"pay_status_{status}")
    elif status in ("expired", "cancelled"):
        view["headline"] = text(lang, f"final_{status}")
        view["final_amount_text"] = format_vnd(payment_request.amount, lang)
        view["next_step"] = text(lang, "final_ask_new")
    elif status == "underpaid":
        view["headline"] = text(lang, "still_owed", amount=format_vnd(due, lang))
        view["detail"] = text(
            lang,
            "received_of",
            paid=format_vnd(payment_request.paid_amount, lang),
            amount=format_vnd(payment_request.amount, lang),
        )
        view["next_step"] = text(lang, "scan_remainder" if payable else "remainder_expired")
    return view
