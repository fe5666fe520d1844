"""Base schema and shared fields: unknown fields are errors, strings are trimmed."""
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate


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
    CODE_PATTERN, error="Use 1–40 letters, digits, '.', '_' or '-', starting with a letter or digit.")


class PageQuerySchema(StrictSchema):
    """?limit=&cursor= for every list endpoint."""

    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=500))
    cursor = fields.String(load_default=None, validate=validate.Length(max=64))
