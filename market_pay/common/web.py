"""What every HTML page shares: the reader's language, the CSRF token, security headers."""

import hmac
import secrets

from flask import request, session

from ..errors import Forbidden

LANG_COOKIE = "lang"


class FormExpired(Forbidden):
    """403 for a form or script without this session's token: reloading the page fixes it, whoever
    sent it (its own class, so no role's rewording of a 403 applies: auth/assistant.py)."""

    message = "The form has expired or did not come from this site; reload the page."


def page_lang() -> str:
    """?lang=en|vi (remembered in a cookie by the caller), else the cookie, else Vietnamese."""
    asked = request.args.get("lang")
    if asked in ("vi", "en"):
        return asked
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"


def remember_lang(response, lang: str):
    if request.args.get("lang") in ("vi", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def csrf_token() -> str:
    """This browser session's token, put in every form and sent back by every script's POST."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def require_csrf():
    """A state-changing page request must echo the session's token (form field or header)."""
    expected = session.get("csrf")
    given = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise FormExpired()


def security_headers(response):
    """after_request for pages: no framing, no sniffing, only our own scripts and styles."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
    return response


def render_page(template: str, status: int = 200, **context):
    """A page in the reader's language, with `t(key)`, the words as `words` (for scripts) and the
    CSRF token in its context."""
    from flask import current_app, render_template

    from .page_texts import TEXTS, text

    lang = page_lang()
    html = render_template(
        template, lang=lang, words=TEXTS[lang], t=lambda key, **v: text(lang, key, **v), csrf=csrf_token(), **context
    )
    return remember_lang(current_app.make_response((html, status)), lang)
