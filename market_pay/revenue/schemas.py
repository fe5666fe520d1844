"""The revenue book's query and answer shapes (the OpenAPI document is built from these)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from ..common.schemas import BoundedDate, StrictSchema
from .periods import GROUPS, MAX_DAYS

FORMATS = ("json", "csv", "xlsx", "pdf")


class RevenueQuerySchema(StrictSchema):
    """?from=&to= (local dates, inclusive, at most MAX_DAYS), group, format, lang."""

    first = BoundedDate(required=True, data_key="from")
    last = BoundedDate(required=True, data_key="to")
    group = fields.String(load_default="month", validate=validate.OneOf(GROUPS))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    lang = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))

    @validates_schema
    def _a_bounded_period(self, data, **kwargs):
        if data["first"] > data["last"]:
            raise ValidationError("The period ends before it starts.", "to")
        if (data["last"] - data["first"]).days + 1 > MAX_DAYS:
            raise ValidationError(f"At most {MAX_DAYS} days: ask for one year at a time.", "to")


class CashlessLineSchema(StrictSchema):
    kind = fields.String()
    bank = fields.String()
    account = fields.String()
    count = fields.Integer()
    amount = fields.Integer()
    provisional = fields.Integer()
    recovered = fields.Integer()
    reversed_count = fields.Integer()
    reversed_amount = fields.Integer()


class BookDaySchema(StrictSchema):
    date = fields.String()
    cashless = fields.Integer()
    cash = fields.Integer()
    cash_count = fields.Integer()
    total = fields.Integer()
    lines = fields.List(fields.Nested(CashlessLineSchema))


class BookRowSchema(StrictSchema):
    key = fields.String()
    label = fields.String()
    first = fields.String(data_key="from")
    last = fields.String(data_key="to")
    cashless = fields.Integer()
    cash = fields.Integer()
    total = fields.Integer()


class BookStallSchema(StrictSchema):
    id = fields.Integer()
    stall_code = fields.String()
    display_name = fields.String()
    legal_name = fields.String()
    market_code = fields.String()
    market_name = fields.String()


class RevenueBookSchema(StrictSchema):
    stall = fields.Nested(BookStallSchema)
    first = fields.String(data_key="from")
    last = fields.String(data_key="to")
    group = fields.String()
    cashless = fields.Integer()
    cash = fields.Integer()
    total = fields.Integer()
    provisional = fields.Integer()
    recovered = fields.Integer()
    reversed = fields.Integer()
    produced_at = fields.String()
    rows = fields.List(fields.Nested(BookRowSchema))
    days = fields.List(fields.Nested(BookDaySchema))
