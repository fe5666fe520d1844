"""Base schema and shared fields: unknown fields are errors, strings are trimmed."""

import re
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate

# Schema instances: each api.py builds the schemas its routes use once per process (module
# constants), not once per request: building one deep-copies its declared fields, ≈ 50–190 µs of
# CPU each here (VendorSchema with its nested accounts the most), on every request. Sharing an
# instance between requests and threads is safe because marshmallow 4 keeps no per-call state on
# a schema (no `context`; load and dump work on locals; a Nested field builds its schema on first
# use and keeps it) and no schema or field of ours stores anything on `self` (a test checks).
# A variant (`many=True`, an `exclude` for a kind of reader) is an instance of its own, built
# once too, never a shared instance changed for one call.


class StrictSchema(Schema):
    """Every input schema rejects fields it does not know, naming each one."""

    class Meta:
        unknown = RAISE


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Trimmed(fields.String):
    """A string with surrounding whitespace removed; blank after trimming counts as missing.

    Control characters are refused: they never belong in a name or code, and PostgreSQL rejects
    NUL outright (which would otherwise surface as a server error).
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if _CONTROL.search(text):
            raise ValidationError("Must not contain control characters.")
        if not text and self.required:
            raise ValidationError("Must not be blank.")
        return text


CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
code_field_validator = validate.Regexp(
    CODE_PATTERN, error="Use 1–40 letters, digits, '.', '_' or '-', starting with a letter or digit."
)


class PageQuerySchema(StrictSchema):
    """?limit=&cursor= for every list endpoint."""

    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=500))
    cursor = fields.String(load_default=None, validate=validate.Length(max=64))


# PostgreSQL's `integer`, which every id, feed number and counter column is: a larger number
# bound in a query is refused by the database (a 500 once), so the edge refuses it first.
DB_INT_MAX = 2**31 - 1


class BoundedInteger(fields.Integer):
    """A whole number between `minimum` (default 1: ids start there) and DB_INT_MAX, for every
    id or count a client sends; further validators may be given as usual."""

    def __init__(self, *, minimum: int = 1, maximum: int = DB_INT_MAX, **kwargs):
        given = kwargs.pop("validate", None)
        extra = [] if given is None else list(given) if isinstance(given, (list, tuple)) else [given]
        super().__init__(validate=[validate.Range(min=minimum, max=maximum), *extra], **kwargs)


def db_int_or_none(text: str, minimum: int = 0) -> int | None:
    """A cursor or counter given as text: ASCII digits for a number within the database's
    integer range, else None. (`int()` alone would also read "١٢", " 12", "1_000" and any size.)"""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if minimum <= value <= DB_INT_MAX else None


# Dates a client may give (report periods, statement days, a region's validity): wide enough for
# any real history and plan, narrow enough that arithmetic on them (the previous period, a day's
# bounds in UTC, "the day before") can never leave the calendar: year 1 or 9999 was a 500.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2199, 12, 31)


class BoundedDate(fields.Date):
    """A YYYY-MM-DD date between FIRST_DATE and LAST_DATE."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        given = kwargs.pop("validate", None)
        extra = [] if given is None else list(given) if isinstance(given, (list, tuple)) else [given]
        super().__init__(validate=[validate.Range(min=FIRST_DATE, max=LAST_DATE), *extra], **kwargs)
