"""The shopper's page of a dynamic QR: /pay/<reference> (no sign-in), and its live status."""

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from ..common.web import page_lang, render_page, security_headers
from ..errors import NotFound
from ..extensions import db
from ..throttling.services import hit
from .models import PaymentRequest
from .request_views import request_view

bp = Blueprint("pay_pages", __name__)
bp.after_request(security_headers)
# A shopper's page asks for its status every couple of seconds for a few minutes; this allows
# a whole market's worth of shoppers behind one mobile carrier address, not a scraper.
PAGE_RATE_LIMIT, PAGE_RATE_WINDOW = 600, 60


def _find(reference: str) -> PaymentRequest:
    hit(f"pay:{request.remote_addr}", PAGE_RATE_LIMIT, PAGE_RATE_WINDOW)
    db.session.commit()
    if len(reference) > 16 or not reference.isalnum():
        raise NotFound("No such payment.")
    found = db.session.scalar(select(PaymentRequest).where(PaymentRequest.reference == reference.upper()))
    if found is None:
        raise NotFound("No such payment.")
    return found


@bp.get("/pay/<reference>")
def pay_page(reference):
    return render_page("pay.html", view=request_view(_find(reference), page_lang()))


@bp.get("/pay/<reference>/status")
def pay_status(reference):
    # The page reloads itself for a new code (the remainder's), so the poll carries no image.
    view = request_view(_find(reference), page_lang(), svg=False)
    response = jsonify(view)
    response.headers["Cache-Control"] = "no-store"
    return response
