"""GET /healthz: 200 when the database answers, 503 otherwise (for load balancers and systemd).
GET /livez: 200 whenever the process answers at all (liveness: restart me if this fails); it never
touches the database, so a database outage does not make an orchestrator kill healthy workers."""

import logging

from flask import Blueprint

from .extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def database_answers() -> None:
    """One `SELECT 1` on a pooled connection, outside any transaction: a single round trip.

    Not through db.session, nor even an engine Connection: a session opens a transaction, so the
    check cost BEGIN, SELECT 1 and ROLLBACK (three round trips) plus the Session's bookkeeping
    (about 290 µs of CPU over the bare driver's call on this machine), and a Connection set to
    autocommit still costs about 100 µs. Here the pool's own connection runs the statement in
    the driver's autocommit (PostgreSQL; SQLite's connections run outside a transaction unless
    told otherwise, see extensions.configure_sqlite_engine): about 30 µs over the bare call.

    Raises the driver's error. A connection the database dropped is recognised as SQLAlchemy
    would (the dialect's is_disconnect): it is thrown away and the pool replaced, so the check
    that found it answers 503 once and the next one connects afresh (tests/test_database_pool.py).
    """
    engine = db.engine
    pooled = engine.raw_connection()  # the checkout event pings it if it sat idle (extensions.py)
    driver = pooled.driver_connection
    assert driver is not None  # a connection just checked out is never the invalidated kind
    autocommit = engine.dialect.name == "postgresql"
    broken = False
    try:
        if autocommit:
            driver.autocommit = True  # no round trip: psycopg only stops sending BEGIN
        cursor = pooled.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except engine.dialect.loaded_dbapi.Error as error:
        broken = engine.dialect.is_disconnect(error, driver, cursor=None)
        if broken:
            pooled.invalidate(error)
            engine.dispose()  # its other connections died with it (a database restart)
        raise
    finally:
        if autocommit and not broken:
            try:
                driver.autocommit = False  # back as the pool lends it to sessions
            except engine.dialect.loaded_dbapi.Error:
                pooled.invalidate()  # never lend out a connection that might still autocommit
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
