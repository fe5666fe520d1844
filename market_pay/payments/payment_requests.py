"""Dynamic QR payment requests: create (idempotently), read, cancel."""

import hashlib
import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record_change
from ..auth.roles import STALL_ROLES, Role
from ..auth.scopes import require_vendor_read
from ..common.textfold import fold_upper
from ..common.types import utcnow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..vendors.services import find_vendor
from ..vietqr.codec import MAX_SUBFIELD, build
from .models import BankTransaction, PaymentRequest
from .privacy import start_of_today, today_only
from .references import new_reference

DEFAULT_EXPIRY = 600
# Payers above 10 million đồng pass a biometric check in their bank app: give them longer.
LARGE_AMOUNT = 10_000_000
LARGE_AMOUNT_DEFAULT_EXPIRY = 1800
TAKE_PAYMENT_ROLES = (Role.ADMIN, Role.MARKET_MANAGER, *STALL_ROLES)


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _purpose(reference: str, note: str) -> str:
    """The reference first (bank apps copy 62.08 into the content, and may cut its end), then
    as much of the note as fits in 25 characters."""
    text = reference
    folded = fold_upper(note)
    if folded:
        text = f"{reference} {folded}"[:MAX_SUBFIELD].rstrip()
    return text


def _account_for(vendor, account_id):
    active = [a for a in vendor.accounts if a.active]
    if account_id is None:
        if not active:
            raise ValidationFailed(errors={"account_id": ["This stall has no active account."]})
        return active[0]
    account = next((a for a in active if a.id == account_id), None)
    if account is None:
        raise ValidationFailed(errors={"account_id": ["Not an active account of this stall."]})
    return account


def create_payment_request(actor, vendor_id: int, data: dict, idempotency_key: str | None) -> tuple:
    """Returns (request, created). The same Idempotency-Key with the same body returns the
    first request; with another body it is a 409."""
    vendor = find_vendor(vendor_id)
    require_vendor_read(actor, vendor)
    if actor.role not in TAKE_PAYMENT_ROLES:
        raise Forbidden("Region staff cannot take payments.")
    fingerprint = _fingerprint(data)
    if idempotency_key:
        existing = db.session.scalar(
            select(PaymentRequest).where(
                PaymentRequest.vendor_id == vendor.id, PaymentRequest.idempotency_key == idempotency_key
            )
        )
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise Conflict("This Idempotency-Key was used with a different request.")
            return existing, False
    if vendor.status != "active":
        raise Conflict("This stall is suspended and cannot take payments.")
    account = _account_for(vendor, data.get("account_id"))
    amount = data["amount"]
    expires_in = data.get("expires_in") or (LARGE_AMOUNT_DEFAULT_EXPIRY if amount > LARGE_AMOUNT else DEFAULT_EXPIRY)
    reference = new_reference()
    request = PaymentRequest(
        reference=reference,
        vendor_id=vendor.id,
        account_id=account.id,
        amount=amount,
        note=data.get("note") or "",
        payload=build(
            account.bin, account.account_number, amount=amount, purpose=_purpose(reference, data.get("note") or "")
        ),
        expires_at=utcnow() + timedelta(seconds=expires_in),
        created_by_user_id=actor.id,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending before it starts, and
        # a duplicate key raised there would break the whole transaction (a 500) instead of the savepoint.
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError:
        # The same key raced in from another worker: answer as the replay it is.
        existing = db.session.scalar(
            select(PaymentRequest).where(
                PaymentRequest.vendor_id == vendor.id, PaymentRequest.idempotency_key == idempotency_key
            )
        )
        if existing is None or existing.request_fingerprint != fingerprint:
            raise Conflict("This Idempotency-Key was used with a different request.") from None
        return existing, False
    record_change(
        actor,
        "payment_request.create",
        "payment_request",
        request.id,
        {"reference": reference, "amount": amount, "vendor_id": vendor.id},
    )
    return request, True


def effective_status(request: PaymentRequest, now=None) -> str:
    """A pending request past its expiry reads as expired (nothing needs to sweep it)."""
    if request.status == "pending" and (now or utcnow()) > request.expires_at:
        return "expired"
    return request.status


def get_payment_request(actor, reference: str) -> PaymentRequest:
    request = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference.upper()))
    if request is None:
        raise NotFound(f"No payment request {reference}.")
    require_vendor_read(actor, request.vendor)
    if today_only(actor) and request.created_at < start_of_today():
        raise Forbidden("An assistant sees today's payment requests only; ask the stall's owner.")
    return request


def applied_transactions(request: PaymentRequest) -> list[BankTransaction]:
    return list(
        db.session.scalars(
            select(BankTransaction).where(BankTransaction.payment_request_id == request.id).order_by(BankTransaction.id)
        )
    )


def cancel_payment_request(actor, reference: str) -> PaymentRequest:
    request = get_payment_request(actor, reference)
    if actor.role not in TAKE_PAYMENT_ROLES:
        raise Forbidden("Region staff cannot cancel payments.")
    if effective_status(request) not in ("pending", "expired"):
        raise Conflict(f"A request that is {request.status} cannot be cancelled.")
    request.status, request.cancelled_at = "cancelled", utcnow()
    record_change(actor, "payment_request.cancel", "payment_request", request.id, {"reference": request.reference})
    return request
