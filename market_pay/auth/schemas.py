"""Auth and user schemas."""

from marshmallow import fields, validate

from ..common.schemas import PageQuerySchema, StrictSchema, Trimmed
from .models import ROLES


class TokenRequestSchema(StrictSchema):
    username = Trimmed(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(StrictSchema):
    token = fields.String()
    expires_at = fields.AwareDateTime()
    # True after a manager's PIN reset: every other API call answers 403 until POST /auth/pin.
    must_change_pin = fields.Boolean(attribute="user.must_change_pin")
    user = fields.Nested(lambda: UserSchema())  # noqa: PLW0108 (UserSchema is defined below)


class PasswordChangeSchema(StrictSchema):
    old_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PinChangeSchema(StrictSchema):
    old_pin = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_pin = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PinResetSchema(StrictSchema):
    """The answer to a PIN reset: the new PIN, shown this once (it is stored only hashed)."""

    pin = fields.String()
    must_change_pin = fields.Boolean(attribute="user.must_change_pin")
    user = fields.Nested(lambda: UserSchema())  # noqa: PLW0108 (UserSchema is defined below)


class UserCreateSchema(StrictSchema):
    username = Trimmed(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scope = Trimmed(load_default=None, allow_none=True, validate=validate.Length(max=90))
    display_name = Trimmed(load_default="", validate=validate.Length(max=200))


class UserSchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    scope = fields.String(attribute="scope_code", allow_none=True)
    active = fields.Boolean()
    created_at = fields.AwareDateTime()
    last_login_at = fields.AwareDateTime(allow_none=True)
    must_change_pin = fields.Boolean()


class UserListQuerySchema(PageQuerySchema):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
