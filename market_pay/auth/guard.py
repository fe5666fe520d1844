"""The request side of authentication: read the bearer token, load the acting user."""

from functools import wraps

from flask import g, request

from ..errors import AuthenticationRequired, PinChangeRequired
from .services import user_for_token

# What a user whose PIN a manager reset may still do: change it, see who they are, sign out.
OPEN_WHILE_PIN_RESET = {"auth.change_pin", "auth.whoami", "auth.revoke_token"}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def login_required(view):
    """Reject the request with 401 unless it carries a live token; the user lands in g.actor."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer_token()
        if token is None:
            raise AuthenticationRequired()
        actor = user_for_token(token)
        if actor is None:
            raise AuthenticationRequired("The token is unknown, expired or revoked; sign in again.")
        if actor.must_change_pin and request.endpoint not in OPEN_WHILE_PIN_RESET:
            raise PinChangeRequired()
        g.actor = actor
        return view(*args, **kwargs)

    return wrapper
