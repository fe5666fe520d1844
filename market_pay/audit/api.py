"""GET /api/v1/audit-log: who changed what, for the people responsible for it."""

from flask import Blueprint, g

from ..auth.guard import login_required
from ..common.request_input import load_query
from . import reading
from .schemas import AuditItemSchema, AuditQuerySchema

bp = Blueprint("audit", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
AUDIT_QUERY = AuditQuerySchema()
AUDIT_ITEMS = AuditItemSchema(many=True)


@bp.get("/audit-log")
@login_required
def audit_log():
    query = load_query(AUDIT_QUERY)
    rows, next_cursor = reading.list_audit_log(
        g.actor,
        query["market"],
        query["vendor"],
        query["actor"],
        query["action"],
        query["first"],
        query["last"],
        query["limit"],
        query["cursor"],
    )
    return {"items": AUDIT_ITEMS.dump(reading.as_items(rows)), "next": next_cursor}
