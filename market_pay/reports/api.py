"""GET /api/v1/reports/adoption: the adoption report as JSON, CSV or XLSX."""

from flask import Blueprint, g

from ..auth.guard import login_required
from ..common.request_input import load_query
from .responses import fresh_report, report_response
from .schemas import AdoptionQuerySchema

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
ADOPTION_QUERY = AdoptionQuerySchema()


@bp.get("/reports/adoption")
@login_required
def adoption():
    query = load_query(ADOPTION_QUERY)
    return report_response(fresh_report(g.actor, query), query["format"], query["lang"])
