"""GET /api/v1/vendors/<id>/revenue: a stall's revenue book as JSON, CSV, XLSX or PDF."""

from flask import Blueprint, g

from ..auth.guard import login_required
from ..common.request_input import load_query
from ..extensions import db
from . import services
from .responses import book_response
from .schemas import RevenueQuerySchema

bp = Blueprint("revenue", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
REVENUE_QUERY = RevenueQuerySchema()


@bp.get("/vendors/<int:vendor_id>/revenue")
@login_required
def revenue_book(vendor_id):
    # Scope first: who may not read this stall's book gets 403 (an unknown stall 404) whatever the
    # query says; only its readers are told what is wrong with the query (422).
    vendor = services.readable_stall(g.actor, vendor_id)
    query = load_query(REVENUE_QUERY)
    book = services.book_of(vendor, query["first"], query["last"], query["group"])
    if query["format"] != "json":
        services.record_download(g.actor, book, query["format"])
        db.session.commit()
    return book_response(book, query["format"], query["lang"])
