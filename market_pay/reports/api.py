"""GET /api/v1/reports/adoption: the adoption report as JSON, CSV or XLSX."""

from flask import Blueprint, g

from ..auth.guard import login_required
from .responses import fresh_report, report_response, scoped_query

bp = Blueprint("reports", __name__, url_prefix="/api/v1")


@bp.get("/reports/adoption")
@login_required
def adoption():
    query = scoped_query(g.actor)  # scope before the query
    return report_response(fresh_report(g.actor, query), query["format"], query["lang"])
