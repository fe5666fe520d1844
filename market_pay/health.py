"""GET /healthz: 200 when the database answers, 503 otherwise (for load balancers and systemd).
GET /livez: 200 whenever the process answers at all (liveness: restart me if this fails); it never
touches the database, so a database outage does not make an orchestrator kill healthy workers."""

import logging

from flask import Blueprint
from sqlalchemy.exc import DBAPIError

from .extensions import db
from .payments import recording_engine

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def database_answers() -> None:
    """One `SELECT 1` outside any transaction: a single round trip. Raises the driver's error.

    On PostgreSQL it runs on the callbacks' recording connections (payments/recording_engine.py):
    open psycopg connections in autocommit, taken from a plain stack, with no SQLAlchemy pool in
    between. Through db.session the check cost BEGIN, SELECT 1 and ROLLBACK (three round trips)
    plus the Session's bookkeeping; through the app pool's own connection, switched to autocommit
    and back, one round trip but ≈ 90 µs of CPU over the bare app's check for the checkout, the
    checkin and the switching (issue 23, measured over gunicorn on a quiet machine). Checking
    those connections is apt too: they are what a bank's callback needs to be answered.
    A connection the database dropped (a restart) is found by the statement; the idle ones are
    dropped with it and the check asks once more on a fresh connection, so it answers for the
    database, not for a stale connection (tests/test_database_pool.py).

    SQLite: the app pool's connection (it runs outside a transaction unless told otherwise, see
    extensions.configure_sqlite_engine).
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        try:
            recording_engine.execute("SELECT 1", {})
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # A connection that died while idle (the database restarted since): the recording
            # connections have no pre-ping, and the idle ones were dropped with it. The database
            # may well answer now: ask once more, on a fresh connection.
            recording_engine.execute("SELECT 1", {})
        return
    pooled = engine.raw_connection()
    try:
        cursor = pooled.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    finally:
        pooled.close()


@bp.get("/healthz")
def healthz():
    try:
        database_answers()
    except Exception:  # any failure to reach the database means "not ready"
        log.warning("health check: database unreachable", exc_info=True)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/livez")
def livez():
    return {"status": "ok"}
