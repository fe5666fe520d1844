"""The site's front door (`/`: one way in per audience), its icon, and the HTML error pages.

Errors for pages are Vietnamese first (English with ?lang=en), styled like every other page, and
say what to do next; API callers keep the one JSON error shape (errors.py decides which)."""

from http import HTTPStatus

from flask import Blueprint, current_app, request, send_from_directory

from .web import page_lang, render_page, security_headers

bp = Blueprint("front_door", __name__)
bp.after_request(security_headers)
# Error pages with their own words; anything else (400, 405, 409, 413, 422, 503 …) gets the
# general ones.
WORDED_ERRORS = (401, 403, 404, 429, 500)


@bp.get("/")
def home():
    return render_page("home.html")


@bp.get("/favicon.ico")
def favicon():
    """A small icon shipped in static/ (no network): browsers ask for it on every first visit."""
    response = send_from_directory(
        current_app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600
    )
    return response


def _sign_in_url() -> str:
    """Where a signed-out reader signs in: the stall board's login for stall pages, else staff."""
    return "/stall/login" if request.path.startswith("/stall") else "/staff/login"


def error_page(code: int, message: str, explained: str | None = None):
    """The HTML answer for an error; `message` (the service's own English) is shown to English
    readers only, as a detail. `explained`, already in the reader's words and language (an
    assistant told who can do what they tried), replaces the page's general advice."""
    key = str(code) if code in WORDED_ERRORS else "other"
    response = render_page(
        "errors/error.html",
        code,
        code=code,
        key=key,
        message=message,
        phrase=HTTPStatus(code).phrase,
        sign_in_url=_sign_in_url(),
        lang_detail=page_lang() == "en" and explained is None,
        explained=explained,
    )
    return security_headers(response)
