"""Payment endpoints: dynamic QR requests, the stall feed, the suspense queue."""

from flask import Blueprint, g, request

from ..auth.guard import login_required
from ..common.request_input import load_json, load_query
from ..errors import ValidationFailed
from ..extensions import db
from . import feed, payment_requests, suspense
from .privacy import hidden_payer_fields
from .schemas import (
    FeedQuerySchema,
    FeedSchema,
    PaymentRequestCreateSchema,
    PaymentRequestSchema,
    SuspenseItemSchema,
    SuspenseQuerySchema,
    SuspenseResolveSchema,
)

bp = Blueprint("payments", __name__, url_prefix="/api/v1")


def _dump_request(payment_request):
    return PaymentRequestSchema(exclude=hidden_payer_fields(g.actor, "payment_request")).dump(
        {
            **{
                c: getattr(payment_request, c)
                for c in (
                    "id",
                    "reference",
                    "vendor_id",
                    "account_id",
                    "amount",
                    "paid_amount",
                    "note",
                    "payload",
                    "created_at",
                    "expires_at",
                )
            },
            "status": payment_requests.effective_status(payment_request),
            # The shopper's page for this request (served by the stall pages).
            "pay_url": f"{request.host_url}pay/{payment_request.reference}",
            "transactions": payment_requests.applied_transactions(payment_request),
        }
    )


@bp.post("/vendors/<int:vendor_id>/payment-requests")
@login_required
def create_payment_request(vendor_id):
    key = request.headers.get("Idempotency-Key")
    # Printable ASCII only: a NUL or control character would reach the database (PostgreSQL text
    # refuses NUL) and no client needs one in a key.
    if key is not None and not (1 <= len(key) <= 100 and key.isascii() and key.isprintable()):
        raise ValidationFailed(errors={"Idempotency-Key": ["1 to 100 printable ASCII characters."]})
    created_request, created = payment_requests.create_payment_request(
        g.actor, vendor_id, load_json(PaymentRequestCreateSchema()), key
    )
    db.session.commit()
    return _dump_request(created_request), 201 if created else 200


@bp.get("/payment-requests/<reference>")
@login_required
def get_payment_request(reference):
    return _dump_request(payment_requests.get_payment_request(g.actor, reference))


@bp.post("/payment-requests/<reference>/cancel")
@login_required
def cancel_payment_request(reference):
    cancelled = payment_requests.cancel_payment_request(g.actor, reference)
    db.session.commit()
    return _dump_request(cancelled)


@bp.get("/vendors/<int:vendor_id>/payments")
@login_required
def stall_feed(vendor_id):
    query = load_query(FeedQuerySchema())
    items, cursor = feed.stall_feed(g.actor, vendor_id, query["after"], query["limit"])
    return FeedSchema(exclude=hidden_payer_fields(g.actor, "feed")).dump({"items": items, "next": cursor})


@bp.get("/suspense")
@login_required
def list_suspense():
    query = load_query(SuspenseQuerySchema())
    items, next_cursor = suspense.list_suspense(
        g.actor, query["status"], query["market_code"], query["reason"], query["limit"], query["cursor"]
    )
    shown = SuspenseItemSchema(many=True, exclude=hidden_payer_fields(g.actor, "suspense"))
    return {"items": shown.dump(items), "next": next_cursor}


@bp.post("/suspense/<int:item_id>/resolve")
@login_required
def resolve_suspense(item_id):
    item = suspense.resolve_suspense(g.actor, item_id, load_json(SuspenseResolveSchema()))
    db.session.commit()
    return SuspenseItemSchema(exclude=hidden_payer_fields(g.actor, "suspense")).dump(item)
