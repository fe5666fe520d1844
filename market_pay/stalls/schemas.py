"""The stall board's request bodies and the stall alert's response bodies."""

from marshmallow import fields, validate

from ..cash.schemas import AMOUNT_RANGE, MAX_CASH_AMOUNT
from ..cash.services import BACKDATE_DAYS
from ..common.schemas import StrictSchema


class BoardCashSchema(StrictSchema):
    """A cash sale typed on the board. A sale queued while offline says how long ago it was typed
    (the phone's clock may be wrong; an age measured on it is still right), so it is dated then."""

    amount = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_CASH_AMOUNT, error=AMOUNT_RANGE)
    )
    age_seconds = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(min=0, max=BACKDATE_DAYS * 24 * 3600)
    )


class QuietStallSchema(StrictSchema):
    vendor_id = fields.Integer()
    stall_code = fields.String()
    display_name = fields.String()
    last_credit_at = fields.AwareDateTime(allow_none=True)
    quiet_minutes = fields.Integer()
    usual_gap_minutes = fields.Float()
    threshold_minutes = fields.Integer()
