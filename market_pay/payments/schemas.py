"""Payment schemas: requests, transactions, the stall feed, suspense."""

from marshmallow import fields, validate

from ..common.money import MAX_LINE_AMOUNT
from ..common.schemas import BoundedInteger, PageQuerySchema, StrictSchema, Trimmed
from ..vietqr.codec import MAX_AMOUNT
from .models import SUSPENSE_REASONS
from .suspense import ACTIONS

# A request is one transfer: NAPAS247's ceiling, inside the service's bound (common/money.py).
MAX_REQUEST_AMOUNT = min(MAX_AMOUNT, MAX_LINE_AMOUNT)


class PaymentRequestCreateSchema(StrictSchema):
    amount = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=1,
            max=MAX_REQUEST_AMOUNT,
            error=f"A whole number of đồng from 1 to {MAX_REQUEST_AMOUNT:,} (one transfer).".replace(",", "."),
        ),
    )
    account_id = BoundedInteger(load_default=None, allow_none=True, strict=True)
    note = Trimmed(load_default="", validate=validate.Length(max=100))
    expires_in = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=60, max=86_400)
    )


class TransactionSchema(StrictSchema):
    id = fields.Integer()
    partner = fields.String()
    bank_reference = fields.String()
    amount = fields.Integer()
    direction = fields.String()
    booked_at = fields.AwareDateTime()
    payer_name = fields.String(allow_none=True)
    match_kind = fields.String()
    underpaid = fields.Boolean()
    overpaid = fields.Boolean()
    late = fields.Boolean()
    reversed = fields.Boolean()
    confirmation = fields.String()


class PaymentRequestSchema(StrictSchema):
    id = fields.Integer()
    reference = fields.String()
    vendor_id = fields.Integer()
    account_id = fields.Integer()
    amount = fields.Integer()
    paid_amount = fields.Integer()
    note = fields.String()
    payload = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    pay_url = fields.String()
    transactions = fields.List(fields.Nested(TransactionSchema))


class FeedQuerySchema(StrictSchema):
    after = fields.String(load_default=None, validate=validate.Length(max=12))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class FeedItemSchema(StrictSchema):
    id = fields.Integer()
    seq = fields.Integer()
    kind = fields.String()
    amount = fields.Integer()
    booked_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    payer_name = fields.String(allow_none=True)
    bank_reference = fields.String()
    request_reference = fields.String(allow_none=True)
    flags = fields.List(fields.String())
    confirmation = fields.String()
    recovered = fields.Boolean()


class FeedSchema(StrictSchema):
    items = fields.List(fields.Nested(FeedItemSchema))
    next = fields.String()


class SuspenseQuerySchema(PageQuerySchema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved"]))
    market_code = fields.String(load_default=None)
    reason = fields.String(load_default=None, validate=validate.OneOf(SUSPENSE_REASONS))


class SuspenseItemSchema(StrictSchema):
    id = fields.Integer()
    reason = fields.String()
    detail = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
    transaction = fields.Nested(TransactionSchema, allow_none=True)
    account_number = fields.Function(lambda item: item.transaction.account_number if item.transaction else None)
    description = fields.Function(lambda item: item.transaction.description if item.transaction else None)
    resolution = fields.String(allow_none=True)
    note = fields.String()
    resolved_at = fields.AwareDateTime(allow_none=True)


class SuspenseResolveSchema(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    vendor_id = BoundedInteger(load_default=None, strict=True)
    reference = Trimmed(load_default=None, validate=validate.Length(max=16))
    note = Trimmed(load_default="", validate=validate.Length(max=500))
