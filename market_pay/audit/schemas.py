"""Audit log schemas: the list's query and its items."""

from marshmallow import fields, validate

from ..common.schemas import BoundedDate, PageQuerySchema, StrictSchema, Trimmed

_INT32 = validate.Range(min=1, max=2**31 - 1)


class AuditQuerySchema(PageQuerySchema):
    market = Trimmed(load_default=None, validate=validate.Length(max=40))
    vendor = fields.Integer(load_default=None, validate=_INT32)
    actor = Trimmed(load_default=None, validate=validate.Length(max=120))
    action = Trimmed(load_default=None, validate=validate.Length(max=60))
    # Inclusive local (Asia/Ho_Chi_Minh) days.
    # Bounded (1900-2199): the local day's start in year 1 or the day after 9999-12-31 was a 500.
    first = BoundedDate(load_default=None, data_key="from")
    last = BoundedDate(load_default=None, data_key="to")


class AuditItemSchema(StrictSchema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    market_code = fields.String(allow_none=True)
    vendor_id = fields.Integer(allow_none=True)
    entity = fields.String()
    detail = fields.Dict()
