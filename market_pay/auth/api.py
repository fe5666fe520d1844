"""Sign-in (bearer tokens) and user administration."""

from flask import Blueprint, g, request

from ..common.request_input import load_json, load_query
from ..errors import InvalidCredentials
from ..extensions import db
from . import accounts, services, sign_in
from .guard import bearer_token, login_required
from .schemas import (
    PasswordChangeSchema,
    PinChangeSchema,
    PinResetSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserListQuerySchema,
    UserSchema,
)

bp = Blueprint("auth", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
TOKEN_REQUEST = TokenRequestSchema()
TOKEN = TokenSchema()
PASSWORD_CHANGE = PasswordChangeSchema()
USER = UserSchema()
PIN_CHANGE = PinChangeSchema()
USER_CREATE = UserCreateSchema()
USER_LIST_QUERY = UserListQuerySchema()
USERS = UserSchema(many=True)
PIN_RESET = PinResetSchema()


def _trusted_device():
    """(user id, device id) when the request carries a live token: that user's own device."""
    token = bearer_token()
    user = services.user_for_token(token) if token else None
    return (user.id, "token:" + services.hash_token(token)[:24]) if user and token else None


@bp.post("/auth/token")
def issue_token():
    data = load_json(TOKEN_REQUEST)
    attempt = sign_in.begin_sign_in(data["username"], request.remote_addr or "unknown", _trusted_device())
    # The attempt is counted and committed before the password is checked: the count holds in
    # every worker, and no counter row stays locked during the slow hash check.
    db.session.commit()
    outcome = sign_in.finish_sign_in(attempt, data["password"])
    db.session.commit()
    if outcome is None:
        raise InvalidCredentials()
    user, token, expires_at = outcome
    return TOKEN.dump({"token": token, "expires_at": expires_at, "user": user}), 201


@bp.post("/auth/password")
@login_required
def change_password():
    data = load_json(PASSWORD_CHANGE)
    # Counted and committed before the old password is checked, like a sign-in.
    accounts.count_secret_check(g.actor)
    db.session.commit()
    user = accounts.change_own_password(g.actor, data["old_password"], data["new_password"], bearer_token())
    db.session.commit()
    return USER.dump(user)


@bp.post("/auth/pin")
@login_required
def change_pin():
    data = load_json(PIN_CHANGE)
    accounts.count_secret_check(g.actor)
    db.session.commit()
    user = accounts.change_own_pin(g.actor, data["old_pin"], data["new_pin"], bearer_token())
    db.session.commit()
    return USER.dump(user)


@bp.post("/auth/revoke")
@login_required
def revoke_token():
    token = bearer_token()
    assert token is not None  # login_required let only a live token in
    services.revoke_token(token)
    db.session.commit()
    return "", 204


@bp.get("/auth/me")
@login_required
def whoami():
    return USER.dump(g.actor)


@bp.post("/users")
@login_required
def create_user():
    data = load_json(USER_CREATE)
    user = services.create_user(
        g.actor, data["username"], data["password"], data["role"], data["scope"], data["display_name"]
    )
    db.session.commit()
    return USER.dump(user), 201


@bp.get("/users")
@login_required
def list_users():
    query = load_query(USER_LIST_QUERY)
    items, next_cursor = services.list_users(g.actor, query["role"], query["limit"], query["cursor"])
    return {"items": USERS.dump(items), "next": next_cursor}


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def deactivate_user(user_id):
    user = services.deactivate_user(g.actor, user_id)
    db.session.commit()
    return USER.dump(user)


@bp.post("/users/<int:user_id>/reactivate")
@login_required
def reactivate_user(user_id):
    user = accounts.reactivate_user(g.actor, user_id)
    db.session.commit()
    return USER.dump(user)


@bp.post("/users/<int:user_id>/reset-pin")
@login_required
def reset_pin(user_id):
    user, pin = accounts.reset_pin(g.actor, user_id)
    db.session.commit()
    # The new PIN is in this answer only: no cache may keep it.
    return PIN_RESET.dump({"user": user, "pin": pin}), 200, {"Cache-Control": "no-store"}
