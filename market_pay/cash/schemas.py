"""Cash sale request and response bodies."""
from marshmallow import fields, validate

from ..common.schemas import StrictSchema

MAX_CASH_AMOUNT = 10_000_000_000  # 10 billion đồng: far above a day's trade, below any overflow


class CashSaleCreateSchema(StrictSchema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_CASH_AMOUNT))
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
