"""GET …/kits.pdf and …/kit.pdf: print-ready stall cards (ETag: unchanged data is not sent again;
a kit already built is served from the store, and one user builds one kit at a time)."""

from flask import Blueprint, Response, g, request

from ..auth.guard import login_required
from ..common.request_input import load_query
from ..extensions import db
from . import services
from .schemas import KitQuerySchema

bp = Blueprint("kits", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
KIT_QUERY = KitQuerySchema()


def _pdf_response(title, cards, layout, filename):
    etag, builder = services.kit_fingerprint(layout, cards), g.actor.id
    # The cards are plain data now: end the transaction (and hand its connection back) before a
    # build that may take a minute; on SQLite every transaction holds the write lock. Nothing
    # below touches the database again (not even g.actor, which the commit expired).
    db.session.commit()
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    pdf = services.cached_kit_pdf(builder, layout, title, cards, etag)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "ETag": f'"{etag}"',
            "Cache-Control": "private, no-cache",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@bp.get("/markets/<code>/kits.pdf")
@login_required
def market_kits(code):
    # Scope first: someone who may not print this market's cards learns only that (403/404),
    # whatever the query says; its readers are then told what is wrong with the query (422).
    title, cards = services.market_cards(g.actor, code)
    layout = load_query(KIT_QUERY)["layout"]
    return _pdf_response(title, cards, layout, f"the-sap-{cards[0].market_code}-{layout}.pdf")


@bp.get("/vendors/<int:vendor_id>/kit.pdf")
@login_required
def vendor_kit(vendor_id):
    title, cards = services.stall_cards(g.actor, vendor_id)  # scope first, as above
    layout = load_query(KIT_QUERY)["layout"]
    return _pdf_response(title, cards, layout, f"the-sap-{cards[0].market_code}-{cards[0].stall_code}-{layout}.pdf")
