"""Query of the kit downloads."""

from marshmallow import fields, validate

from ..common.schemas import StrictSchema
from .render import LAYOUTS


class KitQuerySchema(StrictSchema):
    layout = fields.String(load_default="a6", validate=validate.OneOf(sorted(LAYOUTS)))
