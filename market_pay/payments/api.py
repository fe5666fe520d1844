"""Payment endpoints: dynamic QR requests, the stall feed, the suspense queue."""

from flask import Blueprint, g, request

from ..auth.guard import login_required
from ..common.request_input import load_json, load_query
from ..errors import ValidationFailed
from ..extensions import db
from . import feed, payment_requests, suspense
from .privacy import PAYER_FIELDS, hidden_payer_fields
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


def _for_each_reader(schema_class, answer: str, **options) -> dict:
    """The schema of `answer` for each kind of reader, keyed by what it leaves out: nothing, or
    the payer's identity (`hidden_payer_fields` gives one of the two)."""
    return {hidden: schema_class(exclude=hidden, **options) for hidden in ((), PAYER_FIELDS[answer])}


# Built once per process, not per request (see "Schema instances" in common/schemas.py).
PAYMENT_REQUEST_CREATE = PaymentRequestCreateSchema()
PAYMENT_REQUEST = _for_each_reader(PaymentRequestSchema, "payment_request")
FEED_QUERY = FeedQuerySchema()
FEED = _for_each_reader(FeedSchema, "feed")
SUSPENSE_QUERY = SuspenseQuerySchema()
SUSPENSE_ITEMS = _for_each_reader(SuspenseItemSchema, "suspense", many=True)
SUSPENSE_ITEM = _for_each_reader(SuspenseItemSchema, "suspense")
SUSPENSE_RESOLVE = SuspenseResolveSchema()


def _dump_request(payment_request):
    return PAYMENT_REQUEST[hidden_payer_fields(g.actor, "payment_request")].dump(
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
        g.actor, vendor_id, load_json(PAYMENT_REQUEST_CREATE), key
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
    query = load_query(FEED_QUERY)
    items, cursor = feed.stall_feed(g.actor, vendor_id, query["after"], query["limit"])
    return FEED[hidden_payer_fields(g.actor, "feed")].dump({"items": items, "next": cursor})


@bp.get("/suspense")
@login_required
def list_suspense():
    query = load_query(SUSPENSE_QUERY)
    items, next_cursor = suspense.list_suspense(
        g.actor, query["status"], query["market_code"], query["reason"], query["limit"], query["cursor"]
    )
    shown = SUSPENSE_ITEMS[hidden_payer_fields(g.actor, "suspense")]
    return {"items": shown.dump(items), "next": next_cursor}


@bp.post("/suspense/<int:item_id>/resolve")
@login_required
def resolve_suspense(item_id):
    item = suspense.resolve_suspense(g.actor, item_id, load_json(SUSPENSE_RESOLVE))
    db.session.commit()
    return SUSPENSE_ITEM[hidden_payer_fields(g.actor, "suspense")].dump(item)
