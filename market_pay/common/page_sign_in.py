"""Signing in and out of the pages (stall board, staff dashboard): the throttled sign-in, the
token kept in the session cookie, one behaviour for both. The routes commit here because each
answer depends on what was written (a failure must count in every worker before the 401)."""
import math

from flask import redirect, request, session, url_for

from ..auth.services import revoke_token, sign_in
from ..errors import TooManyRequests
from ..extensions import db
from .page_texts import text
from .web import page_lang, render_page, require_csrf


def sign_in_from_form(*, template: str, login_field: str, secret_field: str, accepts, refused_text: str,
                      session_key: str, home: str, permanent: bool = False):
    """POST of a sign-in form: 429 throttled, 401 bad credentials, 403 an account of the wrong kind
    (`accepts(user)` false; its new token is revoked at once), else the token in the session and a
    redirect to `home`. The form field `login_field` is echoed back on an error."""
    require_csrf()
    lang = page_lang()
    login, secret = request.form.get(login_field, ""), request.form.get(secret_field, "")
    echo = {login_field: login}
    try:
        signed_in = sign_in(login, secret, request.remote_addr or "")
    except TooManyRequests as throttled:
        # The sign-in page again, saying how long to wait (whole minutes, rounded up), in the
        # reader's language, and the same wait for scripts in Retry-After.
        minutes = max(1, math.ceil(throttled.retry_after / 60))
        page = render_page(template, 429, error=text(lang, "too_many", minutes=minutes), **echo)
        page.headers["Retry-After"] = str(throttled.retry_after)
        return page
    if signed_in is None:
        db.session.commit()  # the failure counts in every worker
        return render_page(template, 401, error=text(lang, "bad_login"), **echo)
    user, token, _ = signed_in
    if not accepts(user):
        revoke_token(token)
        db.session.commit()
        return render_page(template, 403, error=text(lang, refused_text), **echo)
    db.session.commit()
    session.clear()
    session.permanent = permanent
    session[session_key] = token
    return redirect(url_for(home))


def sign_out(session_key: str, login_page: str):
    """POST of a sign-out button: the token is revoked, the session emptied."""
    require_csrf()
    if session.get(session_key):
        revoke_token(session[session_key])
        db.session.commit()
    session.clear()
    return redirect(url_for(login_page))
