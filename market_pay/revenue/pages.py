"""The board's "Sổ doanh thu" page (the stall's vendor only, not the assistant) and its downloads."""

from datetime import date, datetime, timedelta

from flask import Blueprint, g, redirect, request, session, url_for

from ..auth.page_sign_in import STALL_SESSION
from ..common.local_time import local_zone
from ..common.web import page_lang, render_page, security_headers
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..stalls.services import board_user
from .outlook import book_outlook, joined_on
from .periods import current_periods, group_key, group_label, parse_period
from .responses import book_response
from .services import record_download, stall_book

bp = Blueprint("revenue_pages", __name__)
bp.after_request(security_headers)
FILE_FORMATS = ("pdf", "xlsx", "csv")


def _vendor():
    """The signed-in vendor; None when signed out. An assistant is refused: the book is the vendor's."""
    actor = board_user(session.get(STALL_SESSION))
    g.actor = actor  # an assistant's refusal names what they tried and who can (auth/assistant.py)
    if actor is not None and actor.role != "vendor":
        raise Forbidden("The revenue book is the vendor's own; an assistant cannot read it.")
    return actor


def _downloads(lang: str, joined: date) -> list[dict]:
    """This month, quarter, half-year and year, and the last quarter (the one a vendor declares)
    unless it ended before the stall joined: no period is offered that the stall had no book in."""
    today = datetime.now(local_zone()).date()
    periods = current_periods(today)
    codes = [(key, group_key(first, key)) for key, (first, _) in periods.items()]
    last_quarter_day = periods["quarter"][0] - timedelta(days=1)
    if last_quarter_day >= joined:
        codes.insert(2, ("quarter", group_key(last_quarter_day, "quarter")))
    return [{"code": code, "label": group_label(code, key, lang)} for key, code in codes]


@bp.get("/stall/revenue")
def book_page():
    actor = _vendor()
    if actor is None:
        return redirect(url_for("stall_pages.login_page"))
    lang = page_lang()
    outlook = book_outlook(actor.vendor, lang)
    db.session.commit()  # the rollups' refresh
    downloads = _downloads(lang, joined_on(actor.vendor))
    return render_page("stall/revenue.html", vendor=actor.vendor, outlook=outlook, downloads=downloads)


@bp.get("/stall/revenue/download")
def download():
    """?period=2026-Q1&format=pdf|xlsx|csv: the vendor's book for that period, audited."""
    actor = _vendor()
    if actor is None:
        return redirect(url_for("stall_pages.login_page"))
    file_format = request.args.get("format", "pdf")
    if file_format not in FILE_FORMATS:
        raise ValidationFailed(errors={"format": [f"One of {', '.join(FILE_FORMATS)}."]})
    try:
        first, last = parse_period(request.args.get("period", ""))
    except ValueError as error:
        raise ValidationFailed(errors={"period": [str(error)]}) from None
    book = stall_book(actor, actor.vendor_id, first, last, "month")
    record_download(actor, book, file_format)
    db.session.commit()
    return book_response(book, file_format, page_lang())
