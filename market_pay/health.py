"""GET /healthz: 200 when the database answers, 503 otherwise (for load balancers and systemd).
GET /livez: 200 whenever the process answers at all (liveness: restart me if this fails); it never
touches the database, so a database outage does not make an orchestrator kill healthy workers."""

import logging

from flask import Blueprint
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # any failure to reach the database means "not ready"
        log.warning("health check: database unreachable", exc_info=True)
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/livez")
def livez():
    return {"status": "ok"}
