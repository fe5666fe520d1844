"""Signing in and out of the pages (stall board, staff dashboard): the throttled sign-in, a page
session id kept in the session cookie (refused by the API), one behaviour for both. The routes commit here because each
answer depends on what was written (a failure must count in every worker before the 401)."""

import math
import secrets

from flask import redirect, request, session, url_for

from ..common.page_texts import text
from ..common.web import page_lang, render_page, require_csrf
from ..errors import TooManyRequests
from ..extensions import db
from .services import revoke_token
from .sign_in import begin_sign_in, finish_sign_in

# Where each page keeps its session id in the signed cookie.
STALL_SESSION, STAFF_SESSION = "stall_token", "staff_token"
# The browser's device id and the user who last signed in on it. Kept across sign-out: a phone its
# user signed in on before is that user's trusted device, which others' guesses cannot lock out
# (the session cookie is signed, so neither value can be forged).
DEVICE, TRUSTED_USER = "device", "trusted_user"


def _trusted_device():
    device, user_id = session.get(DEVICE), session.get(TRUSTED_USER)
    return (user_id, "page:" + device) if device and isinstance(user_id, int) else None


def _trust_device(device: str, user_id: int):
    session[DEVICE], session[TRUSTED_USER] = device, user_id


def sign_in_from_form(
    *,
    template: str,
    login_field: str,
    secret_field: str,
    accepts,
    refused_text: str,
    session_key: str,
    home: str,
    permanent: bool = False,
    bad_login_text: str = "bad_login",
):
    """POST of a sign-in form: 429 throttled, 401 bad credentials, 403 an account of the wrong kind
    (`accepts(user)` false; its new token is revoked at once), else the token in the session and a
    redirect to `home`. The form field `login_field` is echoed back on an error."""
    require_csrf()
    lang = page_lang()
    login, secret = request.form.get(login_field, ""), request.form.get(secret_field, "")
    echo = {login_field: login}
    try:
        attempt = begin_sign_in(login, request.remote_addr or "", _trusted_device())
    except TooManyRequests as throttled:
        # The sign-in page again, saying how long to wait (whole minutes, rounded up), in the
        # reader's language, and the same wait for scripts in Retry-After.
        minutes = max(1, math.ceil(throttled.retry_after / 60))
        page = render_page(template, 429, error=text(lang, "too_many", minutes=minutes), **echo)
        page.headers["Retry-After"] = str(throttled.retry_after)
        return page
    db.session.commit()  # counted in every worker before the PIN or password is checked
    signed_in = finish_sign_in(attempt, secret, purpose="page")
    if signed_in is None:
        return render_page(template, 401, error=text(lang, bad_login_text), **echo)
    user, token, _ = signed_in
    if not accepts(user):
        revoke_token(token)
        db.session.commit()
        return render_page(template, 403, error=text(lang, refused_text), **echo)
    db.session.commit()
    device = session.get(DEVICE) or secrets.token_urlsafe(16)
    session.clear()
    session.permanent = permanent
    session[session_key] = token
    _trust_device(device, user.id)
    if user.must_change_pin:  # a manager's reset: their own PIN first
        return redirect(url_for("account_pages.stall_pin"))
    return redirect(url_for(home))


def sign_out(session_key: str, login_page: str):
    """POST of a sign-out button: the token is revoked, the session emptied."""
    require_csrf()
    if session.get(session_key):
        revoke_token(session[session_key])
        db.session.commit()
    device, trusted = session.get(DEVICE), session.get(TRUSTED_USER)
    session.clear()
    if device and trusted:
        _trust_device(device, trusted)
    return redirect(url_for(login_page))
