"""The office's forms read into the API's own schemas (the same validation as the API), and
errors from either turned into {field: message} for the page."""

from marshmallow import ValidationError

from ..errors import AppError
from ..vendors.schemas import AccountCreateSchema, VendorCreateSchema, VendorUpdateSchema

STALL_FIELDS = ("stall_code", "display_name", "legal_name", "phone", "floor_amount")
ACCOUNT_FIELDS = ("bin", "account_number", "account_name")


def _floor(raw: str):
    raw = (raw or "").strip().replace(".", "").replace(",", "").replace(" ", "")
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) <= 12 else raw  # the schema refuses what is not a number


def flat_errors(messages) -> dict:
    """{'accounts': {0: {'bin': [...]}}} → {'bin': '...'}: the page has one field of each name."""
    flat = {}

    def walk(value, key):
        if isinstance(value, dict):
            for inner_key, inner in value.items():
                walk(inner, inner_key if isinstance(inner_key, str) else key)
        elif isinstance(value, list) and value and not isinstance(value[0], str):
            for inner in value:
                walk(inner, key)
        else:
            text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
            flat[key.split(".")[-1] if "." in key else key] = text

    walk(messages or {}, "form")
    return flat


def error_fields(error: AppError) -> dict:
    return flat_errors(error.errors) or {"form": error.message}


def new_stall(form, market_code: str) -> dict:
    """The registration form: the stall and its first account."""
    data = {
        "market_code": market_code,
        **{f: form.get(f, "") for f in STALL_FIELDS if f != "floor_amount"},
        "floor_amount": _floor(form.get("floor_amount")),
        "accounts": [{f: form.get(f, "") for f in ACCOUNT_FIELDS}],
    }
    try:
        return VendorCreateSchema().load(data)
    except ValidationError as invalid:
        valid = invalid.valid_data if isinstance(invalid.valid_data, dict) else {}
        raise FormErrors(flat_errors(invalid.messages), valid) from None


def stall_changes(form, vendor) -> dict:
    """Only the fields the form changed (an unchanged legal name is not a change a manager may not make)."""
    given = {f: form.get(f, "") for f in STALL_FIELDS if f in form and f != "floor_amount"}
    if "floor_amount" in form:
        given["floor_amount"] = _floor(form.get("floor_amount"))
    try:
        loaded = VendorUpdateSchema().load(given)
    except ValidationError as invalid:
        raise FormErrors(flat_errors(invalid.messages)) from None
    return {f: v for f, v in loaded.items() if getattr(vendor, f) != v}


def new_account(form) -> dict:
    try:
        return AccountCreateSchema().load({f: form.get(f, "") for f in ACCOUNT_FIELDS})
    except ValidationError as invalid:
        raise FormErrors(flat_errors(invalid.messages)) from None


class FormErrors(Exception):
    """{field: message} of a form the schema refused; `valid` what of it was valid (checked further
    by the caller, so that every mistake is shown at once)."""

    def __init__(self, fields: dict, valid: dict | None = None):
        super().__init__(fields)
        self.fields = fields
        self.valid = valid or {}
