"""Adoption report query and response shapes (the OpenAPI document is built from these)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from ..common.schemas import BoundedDate, StrictSchema, Trimmed, code_field_validator
from .periods import MAX_DAYS

FORMATS = ("json", "csv", "xlsx")


class AdoptionQuerySchema(StrictSchema):
    """?region=CODE or ?market=CODE, from/to (local dates, inclusive), format, active_min, lang."""

    region = Trimmed(load_default=None, validate=code_field_validator)
    market = Trimmed(load_default=None, validate=code_field_validator)
    first = BoundedDate(required=True, data_key="from")
    last = BoundedDate(required=True, data_key="to")
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    active_min = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    lang = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))

    @validates_schema
    def _one_scope_and_a_sane_period(self, data, **kwargs):
        if (data.get("region") is None) == (data.get("market") is None):
            raise ValidationError("Give exactly one of region or market.", "region")
        if data["first"] > data["last"]:
            raise ValidationError("The period ends before it starts.", "to")
        if (data["last"] - data["first"]).days + 1 > MAX_DAYS:
            raise ValidationError(f"At most {MAX_DAYS} days.", "to")


class ReportRowSchema(StrictSchema):
    kind = fields.String(validate=validate.OneOf(["market", "other_markets", "district_total", "total"]))
    district = fields.String()
    district_code = fields.String()
    commune = fields.String()
    commune_code = fields.String()
    market_code = fields.String()
    market_name = fields.String()
    markets = fields.Integer()
    markets_with_cash = fields.Integer()
    stalls_registered = fields.Integer()
    stalls_with_qr = fields.Integer()
    active_stalls = fields.Integer()
    cashless_count = fields.Integer()
    cashless_value = fields.Integer()
    confirmed_value = fields.Integer()
    recovered_value = fields.Integer()
    provisional_value = fields.Integer()
    cash_count = fields.Integer()
    cash_value = fields.Integer()
    share_by_count = fields.Float(allow_none=True)
    share_by_value = fields.Float(allow_none=True)
    previous_stalls_registered = fields.Integer()
    previous_stalls_with_qr = fields.Integer()
    previous_active_stalls = fields.Integer()
    previous_confirmed_value = fields.Integer()
    previous_cashless_count = fields.Integer()
    previous_cashless_value = fields.Integer()
    previous_cash_count = fields.Integer()
    previous_cash_value = fields.Integer()
    previous_share_by_count = fields.Float(allow_none=True)
    previous_share_by_value = fields.Float(allow_none=True)


class WeekSchema(StrictSchema):
    week_start = fields.String()
    cashless_value = fields.Integer()
    cash_value = fields.Integer()
    cashless_count = fields.Integer()
    cash_count = fields.Integer()
    # Over the markets that record cash in the period (as the total's share); None: no cash that week.
    share_by_value = fields.Float(allow_none=True)
    days = fields.Integer()  # of the week's days inside the period, up to today
    # fewer than 7 such days: not comparable with a whole week (not named `partial`: Schema.partial is the load option)
    partial_week = fields.Boolean(data_key="partial", attribute="partial")
    has_data = fields.Boolean()  # any figure in this week or an earlier one of the period


class ScopeSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class AdoptionReportSchema(StrictSchema):
    scope = fields.Nested(ScopeSchema)
    first = fields.String(data_key="from")
    last = fields.String(data_key="to")
    previous_from = fields.String()
    previous_to = fields.String()
    active_min = fields.Integer()
    produced_at = fields.String()
    rows = fields.List(fields.Nested(ReportRowSchema))
    weekly = fields.List(fields.Nested(WeekSchema))
