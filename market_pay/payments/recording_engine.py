"""The PostgreSQL connections callbacks are recorded on: autocommit, no pre-ping, driver-level.

A callback's recording is one statement (callbacks.py), which PostgreSQL runs atomically and
commits as it completes. On connections that are always in autocommit it needs no BEGIN and no
COMMIT round trip, and no switching of the isolation level per request; without pool pre-ping it
needs no "SELECT 1" either. The statement goes straight to the driver (psycopg) on a pooled
connection: SQLAlchemy's Connection and execution context cost about 100 µs of CPU per callback
here (measured), a tenth of the whole request, for a statement that needs neither.

A connection that died while pooled (a database restart) fails its statement instead; the pool
is dropped, and the route records the callback again on a fresh one (callbacks_api.py) — safe,
because recording is idempotent: a statement that did commit before the connection broke makes
the repeat a duplicate. Driver errors are raised as SQLAlchemy's, like everywhere else.

One engine per process, made on first use, so gunicorn's workers each make their own after the
fork. Everything else (and SQLite) uses the app's session as usual.
"""

import psycopg
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from ..app_state import app_state
from ..extensions import db

_KEY = "market_pay_recording_engine"


def _engine():
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    engine = app.extensions.get(_KEY)
    if engine is None:
        with app_state(app).lock:
            engine = app.extensions.get(_KEY)
            if engine is None:
                engine = create_engine(
                    db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, hide_parameters=True
                )
                app.extensions[_KEY] = engine
    return engine


def execute(sql: str, params: dict) -> list[tuple]:
    """Run one statement (psycopg's %(name)s placeholders) in autocommit; its rows."""
    engine = _engine()
    try:
        connection = engine.raw_connection()
    except psycopg.Error as error:  # the database is down: a 503 for the bank to retry (errors.py)
        raise DBAPIError.instance(None, None, error, psycopg.Error, hide_parameters=True) from error
    try:
        return connection.driver_connection.execute(sql, params).fetchall()
    except psycopg.Error as error:
        broken = connection.driver_connection.broken
        if broken:
            # A broken connection means the others in the pool are likely dead too (a restart):
            # drop the whole pool, as SQLAlchemy does on a disconnect.
            connection.invalidate()
            engine.dispose()
        raise DBAPIError.instance(
            sql, None, error, psycopg.Error, hide_parameters=True, connection_invalidated=broken
        ) from error
    finally:
        connection.close()  # back to the pool (a no-op if invalidated)
