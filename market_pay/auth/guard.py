"""The request side of authentication: read the bearer token, load the acting user."""
from functools import wraps

from flask import g, request

from ..errors import AuthenticationRequired
from .services import user_for_token


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
        g.actor = actor
        return view(*args, **kwargs)

    return wrapper
