"""What the report routes (API and pages) share: a fresh report, and the answer in the asked format."""

from flask import Response, jsonify, request

from ..extensions import db
from . import exports
from .adoption import adoption_report, bring_rollups_up_to_date, require_asked_scope, require_report_scope
from .schemas import AdoptionQuerySchema

# Built once per process, not per request (see "Schema instances" in common/schemas.py).
ADOPTION_QUERY = AdoptionQuerySchema()

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def scoped_query(actor) -> dict:
    """The request's report query, read only once the caller may see the place it names: an
    outsider is refused (403) whatever else the query says; a reader is told what is wrong (422)."""
    asked = request.args.to_dict(flat=True)
    require_asked_scope(actor, asked)
    return ADOPTION_QUERY.load(asked)


def fresh_report(actor, query: dict):
    """The caller's permission checked first; then the rollups brought up to date and committed
    (which also ends their lock, so matchers and other reports need not wait for this one's
    reading), then the report."""
    require_report_scope(actor, query["region"], query["market"])
    bring_rollups_up_to_date()
    db.session.commit()
    return adoption_report(
        actor,
        region_code=query["region"],
        market_code=query["market"],
        first=query["first"],
        last=query["last"],
        active_min=query["active_min"],
    )


def report_response(report, file_format: str, lang: str):
    """The report in the asked format; files come as attachments with a name that says what they are."""
    if file_format == "json":
        return jsonify(exports.as_json(report, lang))
    body = exports.as_csv(report, lang) if file_format == "csv" else exports.as_xlsx(report, lang)
    return Response(
        body,
        mimetype=MIMETYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{exports.file_name(report, file_format)}"'},
    )
