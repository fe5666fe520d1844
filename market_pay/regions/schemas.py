"""Region schemas: {code, name, kind, parent_code, valid_from, valid_to}."""

from marshmallow import ValidationError, fields, validate, validates_schema

from ..common.schemas import BoundedDate, PageQuerySchema, StrictSchema, Trimmed, code_field_validator


class RegionSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent_code = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class RegionTreeSchema(RegionSchema):
    children = fields.List(fields.Nested(lambda: RegionTreeSchema()))  # noqa: PLW0108 (not defined yet here)


class RegionCreateSchema(StrictSchema):
    code = Trimmed(required=True, validate=code_field_validator)
    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    kind = Trimmed(
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z_]{1,39}$", error="Use lower-case letters and '_' (e.g. commune, ward)."),
    )
    parent_code = Trimmed(load_default=None, allow_none=True, validate=code_field_validator)
    valid_from = BoundedDate(load_default=None, allow_none=True)
    valid_to = BoundedDate(load_default=None, allow_none=True)

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("Must not be before valid_from.", "valid_to")


class RegionListQuerySchema(PageQuerySchema):
    parent_code = fields.String(load_default=None)
    tree = fields.Boolean(load_default=False)
