"""Sign-in (bearer tokens) and user administration."""
from flask import Blueprint, g, request

from ..common.requests import load_json, load_query
from ..errors import InvalidCredentials
from ..extensions import db
from . import services
from .guard import bearer_token, login_required
from .schemas import TokenRequestSchema, TokenSchema, UserCreateSchema, UserListQuerySchema, UserSchema

bp = Blueprint("auth", __name__, url_prefix="/api/v1")


@bp.post("/auth/token")
def issue_token():
    data = load_json(TokenRequestSchema())
    outcome = services.sign_in(data["username"], data["password"], request.remote_addr or "unknown")
    # Commit either way: a failure must be counted by the throttle in every worker.
    db.session.commit()
    if outcome is None:
        raise InvalidCredentials()
    user, token, expires_at = outcome
    return TokenSchema().dump({"token": token, "expires_at": expires_at, "user": user}), 201


@bp.post("/auth/revoke")
@login_required
def revoke_token():
    services.revoke_token(bearer_token())
    db.session.commit()
    return "", 204


@bp.get("/auth/me")
@login_required
def whoami():
    return UserSchema().dump(g.actor)


@bp.post("/users")
@login_required
def create_user():
    data = load_json(UserCreateSchema())
    user = services.create_user(g.actor, data["username"], data["password"], data["role"],
                                data["scope"], data["display_name"])
    db.session.commit()
    return UserSchema().dump(user), 201


@bp.get("/users")
@login_required
def list_users():
    query = load_query(UserListQuerySchema())
    items, next_cursor = services.list_users(g.actor, query["role"], query["limit"], query["cursor"])
    return {"items": UserSchema(many=True).dump(items), "next": next_cursor}


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def deactivate_user(user_id):
    user = services.deactivate_user(g.actor, user_id)
    db.session.commit()
    return UserSchema().dump(user)
