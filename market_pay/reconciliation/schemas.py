"""Reconciliation request and response shapes (the OpenAPI document is built from these)."""

from marshmallow import ValidationError, fields, validate, validates

from ..common.schemas import BoundedDate, PageQuerySchema, StrictSchema
from ..payments.partner_formats import PARTNERS, STATEMENT_PARTNERS
from .formats import format_choices, parse_account
from .models import BREAK_KINDS, CLASSES

LANG = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))


class StatementUploadSchema(StrictSchema):
    """The form fields beside the file."""

    partner = fields.String(required=True, validate=validate.OneOf(PARTNERS))
    date = BoundedDate(load_default=None)
    # None: recognised from the content (docs/STATEMENTS.md).
    format = fields.String(load_default=None, validate=validate.OneOf(format_choices()))
    # BIN/NUMBER, for a single-account export that does not say which account it is.
    account = fields.String(load_default=None, validate=validate.Length(max=30))

    @validates("account")
    def _account(self, value, **_):
        try:
            parse_account(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class RunListQuerySchema(PageQuerySchema):
    # Casso's runs come from pulls only (reconciliation/pull/), but are listed like any other.
    partner = fields.String(load_default=None, validate=validate.OneOf(STATEMENT_PARTNERS))
    statement_date = BoundedDate(load_default=None)
    lang = LANG


class LangQuerySchema(StrictSchema):
    lang = LANG


class BreakQuerySchema(PageQuerySchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(BREAK_KINDS))
    lang = LANG


class ClassTotalSchema(StrictSchema):
    name = fields.String(validate=validate.OneOf(CLASSES))
    label = fields.String()
    lines = fields.Integer()
    callbacks = fields.Integer()
    amount_in = fields.Integer()
    amount_out = fields.Integer()


class RunSchema(StrictSchema):
    id = fields.Integer()
    partner = fields.String()
    statement_date = fields.Date()
    file_name = fields.String()
    file_sha256 = fields.String()
    # None for a partial reader (the file's size would tell the other markets' trade).
    line_count = fields.Integer(allow_none=True)
    account_count = fields.Integer(allow_none=True)
    markets = fields.List(fields.String())
    classes = fields.List(fields.Nested(ClassTotalSchema))
    break_count = fields.Integer()
    breaks_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    created_at = fields.DateTime()
    created_by = fields.String()
    duration_ms = fields.Integer()
    # True when this exact file had been reconciled before: the answer is that earlier run.
    already_reconciled = fields.Boolean()
    # True when the reader's scope covers only some of the run's markets: markets and breaks are
    # theirs only, and the file-wide class totals are left out.
    # A field named like Schema.partial (the load option): marshmallow takes declared fields off the class.
    partial = fields.Boolean()  # type: ignore[assignment]


class BreakSchema(StrictSchema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(BREAK_KINDS))
    label = fields.String()
    message = fields.String()
    row_number = fields.Integer(allow_none=True)
    bin = fields.String(allow_none=True)
    account_number = fields.String()
    bank_txn_id = fields.String(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    booked_at = fields.DateTime(allow_none=True)
    direction = fields.String(allow_none=True)
    amount = fields.Integer(allow_none=True)
    transaction_id = fields.Integer(allow_none=True)
    stall_code = fields.String(allow_none=True)
    market_code = fields.String(allow_none=True)
    detail = fields.Dict()
