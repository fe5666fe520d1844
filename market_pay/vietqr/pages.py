"""/verify: a shopper pastes a payload, uploads a photo of a QR, or scans it, and reads the verdict."""

import re

import zxingcpp
from flask import Blueprint, current_app, request
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestEntityTooLarge

from ..common.page_texts import text
from ..common.web import page_lang, render_page, require_csrf, security_headers
from ..errors import ValidationFailed
from ..extensions import db
from ..throttling.services import hit
from .photos import PhotoRefused, open_photo
from .services import verify_code

bp = Blueprint("verify_pages", __name__)
bp.after_request(security_headers)
MAX_PAYLOAD = 512


def _verdict(payload: str, lang: str) -> dict:
    """verify_code's answer, or plain words for something that is not a VietQR at all: the
    parser's field-and-position detail stays in the API's `errors`, never on this page."""
    try:
        return verify_code(payload, lang)
    except ValidationFailed:
        return {"genuine": False, "status": "invalid", "message": text(lang, "unreadable")}


# (heading key, tone) of each verdict: one heading says it all; green only for a code to pay.
NOT_OURS = ("unknown_account", "foreign_merchant", "cash_code")
UNREADABLE = ("invalid", "no_qr", "photo_too_large", "nothing")


def _presentation(verdict: dict | None) -> dict:
    if verdict is None:
        return {}
    status, request = verdict["status"], verdict.get("payment_request")
    if request is not None:
        validity = request["validity"]
        return {
            "verdict_heading": f"verdict_request_{validity}",
            "verdict_tone": "genuine" if validity == "pending" else "info",
        }
    if status == "genuine":
        return {"verdict_heading": "verdict_genuine", "verdict_tone": "genuine"}
    if status in NOT_OURS:
        return {"verdict_heading": "verdict_not_ours", "verdict_tone": "warning"}
    if status in UNREADABLE:
        return {"verdict_heading": "verdict_unreadable", "verdict_tone": "warning"}
    return {"verdict_heading": "verdict_warning", "verdict_tone": "warning"}


def _message(verdict: dict, heading: str) -> Markup:
    """The verdict's sentence for the page: without the heading's words again, and with the stall
    code and amounts kept on one line ("A-07" never splits at its hyphen on a narrow phone)."""
    message = verdict["message"]
    for joint in (". ", ": "):
        if message.startswith(heading + joint):
            message = message[len(heading + joint) :]
            message = message[:1].upper() + message[1:]
    html = escape(message)
    keep = [verdict.get("stall_code")] + _AMOUNT.findall(message)
    for words in filter(None, dict.fromkeys(keep)):
        html = html.replace(escape(words), Markup('<span class="nowrap">%s</span>') % words)
    return html


_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})*\s₫")


def _page(status: int = 200, payload: str = "", verdict: dict | None = None):
    shown = _presentation(verdict)
    if verdict is not None:
        shown["verdict_message"] = _message(verdict, text(page_lang(), shown["verdict_heading"]))
    return render_page("verify.html", status, payload=payload, verdict=verdict, **shown)


def _throttle():
    config = current_app.config
    hit(f"verify:{request.remote_addr}", config["VERIFY_RATE_LIMIT"], config["VERIFY_RATE_WINDOW_SECONDS"])
    db.session.commit()


@bp.get("/verify")
def verify_page():
    payload = request.args.get("payload", "").strip()
    verdict = None
    if payload:
        _throttle()
        verdict = _verdict(payload[:MAX_PAYLOAD], page_lang())
    return _page(payload=payload, verdict=verdict)


@bp.post("/verify")
def verify_photo():
    """The one form: a photo of a QR (read here with zxing-cpp, the reader the tests trust), or
    else the pasted content."""
    require_csrf()
    _throttle()
    lang = page_lang()
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        payload = request.form.get("payload", "").strip()
        if not payload:
            return _page(422, verdict={"genuine": False, "status": "nothing", "message": text(lang, "verify_nothing")})
        return _page(payload=payload, verdict=_verdict(payload[:MAX_PAYLOAD], lang))
    config = current_app.config
    try:
        # At most one byte past the limit is read, so an oversized file is known without keeping it.
        data = upload.read(config["PHOTO_MAX_BYTES"] + 1) if upload else b""
        image = open_photo(data, config["PHOTO_MAX_BYTES"], config["PHOTO_MAX_PIXELS"])
    except PhotoRefused as refused:
        if refused.reason == "unreadable":
            return _no_qr(lang)
        message = text(lang, f"photo_{refused.reason}", limit=_limit_words(refused, lang))
        return _page(413, verdict={"genuine": False, "status": "photo_too_large", "message": message})
    found = [
        r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    ]
    if not found:
        return _no_qr(lang)
    return _page(payload=found[0], verdict=_verdict(found[0][:MAX_PAYLOAD], lang))


@bp.errorhandler(RequestEntityTooLarge)
def photo_over_request_limit(_exc):
    """A body over MAX_CONTENT_LENGTH is refused while the form is read (before the view runs):
    answer with the page and its message, not the bare error page."""
    lang = page_lang()
    limit = (
        min(current_app.config["PHOTO_MAX_BYTES"], current_app.config["MAX_CONTENT_LENGTH"] or 0)
        or current_app.config["PHOTO_MAX_BYTES"]
    )
    message = text(lang, "photo_too_many_bytes", limit=_limit_words(PhotoRefused("too_many_bytes", limit), lang))
    return _page(413, verdict={"genuine": False, "status": "photo_too_large", "message": message})


def _no_qr(lang: str):
    return _page(422, verdict={"genuine": False, "status": "no_qr", "message": text(lang, "no_qr_in_photo")})


def _limit_words(refused: PhotoRefused, lang: str) -> str:
    """The limit as a person reads it: megabytes or megapixels, with a decimal comma in Vietnamese."""
    unit = 1024 * 1024 if refused.reason == "too_many_bytes" else 1_000_000
    words = f"{refused.limit / unit:.1f}".removesuffix(".0")
    return words.replace(".", ",") if lang == "vi" else words
