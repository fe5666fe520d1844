"""GET /api/v1/reports/adoption: the adoption report as JSON, CSV or XLSX."""
from flask import Blueprint, Response, g, jsonify

from ..auth.guard import login_required
from ..common.requests import load_query
from . import exports
from .adoption import adoption_report
from .schemas import AdoptionQuerySchema

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def report_response(report, file_format: str, lang: str):
    """The report in the asked format; files come as attachments with a name that says what they are."""
    if file_format == "json":
        return jsonify(exports.as_json(report, lang))
    body = exports.as_csv(report, lang) if file_format == "csv" else exports.as_xlsx(report, lang)
    return Response(body, mimetype=MIMETYPES[file_format], headers={
        "Content-Disposition": f'attachment; filename="{exports.file_name(report, file_format)}"'})


@bp.get("/reports/adoption")
@login_required
def adoption():
    query = load_query(AdoptionQuerySchema())
    report = adoption_report(g.actor, region_code=query["region"], market_code=query["market"],
                             first=query["first"], last=query["last"], active_min=query["active_min"])
    return report_response(report, query["format"], query["lang"])
