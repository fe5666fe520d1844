"""Cash sale request and response bodies."""

from marshmallow import fields, validate

from ..common.money import MAX_LINE_AMOUNT
from ..common.schemas import StrictSchema
from ..errors import ValidationFailed

# One cash entry is one line of money: the service's single bound (common/money.py).
MAX_CASH_AMOUNT = MAX_LINE_AMOUNT
AMOUNT_RANGE = f"A whole number of đồng from 1 to {MAX_CASH_AMOUNT:,} (the bound on one line of money).".replace(
    ",", "."
)


class CashSaleCreateSchema(StrictSchema):
    amount = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_CASH_AMOUNT, error=AMOUNT_RANGE)
    )
    count = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=1000))
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)


class CashSaleSchema(StrictSchema):
    id = fields.Integer()
    vendor_id = fields.Integer()
    market_id = fields.Integer()
    amount = fields.Integer()
    count = fields.Integer()
    occurred_at = fields.AwareDateTime()
    source = fields.String()
    created_at = fields.AwareDateTime()


def idempotency_key(headers) -> str | None:
    """The request's Idempotency-Key header: 1 to 100 printable ASCII characters (a NUL would
    reach the database, which PostgreSQL refuses), or None when absent."""
    key = headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 100 and key.isascii() and key.isprintable()):
        raise ValidationFailed(errors={"Idempotency-Key": ["1 to 100 printable ASCII characters."]})
    return key
