"""Stall alert response bodies."""
from marshmallow import fields

from ..common.schemas import StrictSchema


class QuietStallSchema(StrictSchema):
    vendor_id = fields.Integer()
    stall_code = fields.String()
    display_name = fields.String()
    last_credit_at = fields.AwareDateTime(allow_none=True)
    quiet_minutes = fields.Integer()
    usual_gap_minutes = fields.Float()
    threshold_minutes = fields.Integer()
