"""Market schemas: {code, name, region_code, address}."""

from marshmallow import fields, validate

from ..common.schemas import PageQuerySchema, StrictSchema, Trimmed, code_field_validator


class MarketSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    region_code = fields.String()
    address = fields.String()


class MarketCreateSchema(StrictSchema):
    code = Trimmed(required=True, validate=code_field_validator)
    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    region_code = Trimmed(required=True, validate=code_field_validator)
    address = Trimmed(load_default="", validate=validate.Length(max=300))


class MarketUpdateSchema(StrictSchema):
    name = Trimmed(validate=validate.Length(min=1, max=200))
    region_code = Trimmed(validate=code_field_validator)
    address = Trimmed(validate=validate.Length(max=300))


class MarketListQuerySchema(PageQuerySchema):
    region_code = fields.String(load_default=None)
