"""Vendor and account schemas (field names other features and scripts rely on)."""

from marshmallow import ValidationError, fields, validate, validates

from ..banks.directory import bank_short_name, find_bank
from ..common.phone import normalise_phone
from ..common.schemas import PageQuerySchema, StrictSchema, Trimmed, code_field_validator
from .models import VENDOR_STATUSES

# Spec 38.01.01: up to 19 characters; virtual accounts may contain letters.
ACCOUNT_NUMBER = validate.Regexp(r"^[A-Za-z0-9]{1,19}$", error="1–19 letters or digits, no spaces.")
# Below the NAPAS247 ceiling for one transfer; a floor is a small figure in practice.
MAX_FLOOR = 499_999_999


class Bin(Trimmed):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if find_bank(text) is None:
            raise ValidationError("Not a bank BIN in the bank list.")
        return text


class Phone(Trimmed):
    def _deserialize(self, value, attr, data, **kwargs):
        phone = normalise_phone(super()._deserialize(value, attr, data, **kwargs))
        if phone is None:
            raise ValidationError("Not a Vietnamese phone number (e.g. 0912345678).")
        return phone


class AccountCreateSchema(StrictSchema):
    bin = Bin(required=True)
    account_number = Trimmed(required=True, validate=ACCOUNT_NUMBER)
    account_name = Trimmed(required=True, validate=validate.Length(min=1, max=100))


class AccountSchema(StrictSchema):
    id = fields.Integer()
    bin = fields.String()
    bank = fields.Function(lambda account: bank_short_name(account.bin))
    account_number = fields.String()
    account_name = fields.String()
    active = fields.Boolean()
    # active | pending | rejected | inactive; only an active account is on codes, kits, requests.
    status = fields.String()
    # The open request ("add" or "deactivate"), who asked and when; null when none.
    pending_change = fields.String(allow_none=True)
    requested_by = fields.Function(lambda account: account.requested_by.username if account.requested_by else None)
    requested_at = fields.DateTime(allow_none=True)


class AccountDecisionSchema(StrictSchema):
    """Confirm or reject a pending change: the vendor sends their PIN; an administrator nothing."""

    pin = Trimmed(load_default=None, validate=validate.Length(max=100))


class VendorCreateSchema(StrictSchema):
    market_code = Trimmed(required=True, validate=code_field_validator)
    stall_code = Trimmed(required=True, validate=code_field_validator)
    display_name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    # As on the vendor's ID card or business registration; every account's name must match it.
    legal_name = Trimmed(required=True, validate=validate.Length(min=1, max=100))
    phone = Phone(required=True)
    floor_amount = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=MAX_FLOOR)
    )
    accounts = fields.List(
        fields.Nested(AccountCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=5, error="A stall has 1 to 5 accounts."),
    )

    @validates("accounts")
    def _no_repeats(self, accounts, **kwargs):
        # Nested rows that failed their own validation arrive without some keys.
        keys = [(a.get("bin"), a.get("account_number")) for a in accounts if "bin" in a and "account_number" in a]
        if len(set(keys)) != len(keys):
            raise ValidationError("The same account is listed twice.")


class VendorUpdateSchema(StrictSchema):
    stall_code = Trimmed(validate=code_field_validator)
    display_name = Trimmed(validate=validate.Length(min=1, max=200))
    legal_name = Trimmed(validate=validate.Length(min=1, max=100))  # administrators only
    phone = Phone()
    floor_amount = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=MAX_FLOOR))


class SuspendSchema(StrictSchema):
    """POST /vendors/<id>/suspend: why (kept in the audit log); a suspension without one is refused."""

    reason = Trimmed(required=True, validate=validate.Length(max=500))


class ReactivateSchema(StrictSchema):
    """POST /vendors/<id>/reactivate: a reason is optional (an empty body will do)."""

    reason = Trimmed(load_default="", validate=validate.Length(max=500))


class VendorSchema(StrictSchema):
    id = fields.Integer()
    market_code = fields.String()
    stall_code = fields.String()
    display_name = fields.String()
    legal_name = fields.String()
    phone = fields.String()
    status = fields.String()
    floor_amount = fields.Integer(allow_none=True)
    accounts = fields.List(fields.Nested(AccountSchema))


class VendorListQuerySchema(PageQuerySchema):
    market_code = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(VENDOR_STATUSES))
