"""VietQR schemas: stall codes, decode and verify."""

from marshmallow import fields, validate

from ..common.schemas import StrictSchema
from .rendering import MAX_SIZE, MIN_SIZE

PAYLOAD_LIMIT = 512  # the longest valid payload is well under this


class StallCodeSchema(StrictSchema):
    account_id = fields.Integer()
    bin = fields.String()
    bank = fields.String()
    account_number = fields.String()
    account_name = fields.String()
    payload = fields.String()
    check_code = fields.String()


class DecodeRequestSchema(StrictSchema):
    payload = fields.String(required=True, validate=validate.Length(min=1, max=PAYLOAD_LIMIT))


class DecodedSchema(StrictSchema):
    point_of_initiation = fields.String()
    bin = fields.String()
    bank = fields.String(allow_none=True)
    account = fields.String()
    service_code = fields.String()
    amount = fields.Integer(allow_none=True)
    currency = fields.String()
    country = fields.String()
    merchant_name = fields.String(allow_none=True)
    merchant_city = fields.String(allow_none=True)
    bill_number = fields.String(allow_none=True)
    reference_label = fields.String(allow_none=True)
    terminal_label = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    crc = fields.String()
    warnings = fields.List(fields.String(), metadata={"description": "where the code bends the VietQR standard"})


class VerifyQuerySchema(StrictSchema):
    payload = fields.String(required=True, validate=validate.Length(min=1, max=PAYLOAD_LIMIT))
    lang = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))


class VerifiedRequestSchema(StrictSchema):
    """A payment request the verified code belongs to: what the shopper needs, nothing more."""

    reference = fields.String()
    amount = fields.Integer()
    validity = fields.String(metadata={"description": "pending, paid, underpaid, expired or cancelled"})
    expires_at = fields.DateTime()


class VerifyResultSchema(StrictSchema):
    registered = fields.Boolean(required=True)
    genuine = fields.Boolean(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    differences = fields.List(fields.String())
    market_code = fields.String()
    market_name = fields.String()
    stall_code = fields.String()
    account_name = fields.String()
    bank = fields.String()
    account_number_masked = fields.String()
    check_code = fields.String()
    payment_request = fields.Nested(VerifiedRequestSchema)
    warnings = fields.List(fields.String(), metadata={"description": "where the code bends the VietQR standard"})


class ImageQuerySchema(StrictSchema):
    size = fields.Integer(load_default=480, validate=validate.Range(min=MIN_SIZE, max=MAX_SIZE))
