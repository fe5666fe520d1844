"""Change one's own PIN (stall board) or password (staff dashboard) on a page: the old one
required, the same rules and throttle as the API. After a manager's PIN reset the stall page
sends its user here until they choose their own PIN."""

from typing import Any

from flask import Blueprint, redirect, request, session, url_for

from ..common.page_texts import text
from ..common.web import page_lang, render_page, require_csrf, security_headers
from ..errors import TooManyRequests, ValidationFailed
from ..extensions import db
from . import accounts
from .models import STALL_ROLES
from .page_sign_in import STAFF_SESSION, STALL_SESSION
from .services import user_for_page_session

bp = Blueprint("account_pages", __name__)
bp.after_request(security_headers)

# (session key, who may use it, form field names, service, where to go after)
FORMS = {
    "pin": (
        STALL_SESSION,
        lambda user: user.role in STALL_ROLES,
        ("old_pin", "new_pin"),
        accounts.change_own_pin,
        "stall_pages.login_page",
        "stall_pages.board",
    ),
    "password": (
        STAFF_SESSION,
        lambda user: user.role not in STALL_ROLES,
        ("old_password", "new_password"),
        accounts.change_own_password,
        "report_pages.login_page",
        "report_pages.dashboard",
    ),
}


def _form(kind: str):
    session_key, accepts, fields, change, login_page, home = FORMS[kind]
    if request.method == "POST":
        require_csrf()
    token = session.get(session_key)
    user = user_for_page_session(token)
    if user is None or not accepts(user):
        return redirect(url_for(login_page))
    context: dict[str, Any] = {"kind": kind, "fields": fields, "must_change": user.must_change_pin}
    if request.method == "GET":
        return render_page("account/change_secret.html", **context)
    lang = page_lang()
    old, new = request.form.get(fields[0], ""), request.form.get(fields[1], "")
    try:
        accounts.count_secret_check(user)
    except TooManyRequests as throttled:
        page = render_page(
            "account/change_secret.html",
            429,
            **context,
            error=text(lang, "too_many", minutes=max(1, -(-throttled.retry_after // 60))),
        )
        page.headers["Retry-After"] = str(throttled.retry_after)
        return page
    db.session.commit()  # counted before the old secret is checked, like a sign-in
    try:
        change(user, old, new, token)
    except ValidationFailed as refused:
        db.session.rollback()
        key = "wrong_old_" + kind if fields[0] in refused.errors else "weak_new_" + kind
        return render_page("account/change_secret.html", 422, **context, error=text(lang, key))
    db.session.commit()
    return redirect(url_for(home))


@bp.route("/stall/pin", methods=["GET", "POST"])
def stall_pin():
    return _form("pin")


@bp.route("/staff/password", methods=["GET", "POST"])
def staff_password():
    return _form("password")
