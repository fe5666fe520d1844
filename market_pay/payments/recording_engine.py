"""The PostgreSQL connections callbacks are recorded on: autocommit, no pre-ping.

A callback's recording is one statement (callbacks.py), which PostgreSQL runs atomically and
commits as it completes. On connections that are always in autocommit it needs no BEGIN and no
COMMIT round trip, and no switching of the isolation level per request; without pool pre-ping it
needs no "SELECT 1" either. A connection that died while pooled (a database restart) fails its
statement instead, is invalidated with the rest of the pool, and the route records the callback
again on a fresh one (callbacks_api.py) — safe, because recording is idempotent: a statement
that did commit before the connection broke makes the repeat a duplicate.

One engine per process, made on first use, so gunicorn's workers each make their own after the
fork. Everything else (and SQLite) uses the app's session as usual.
"""
import threading

from flask import current_app
from sqlalchemy import Connection, create_engine

from ..extensions import db

_KEY = "market_pay_recording_engine"
_lock = threading.Lock()


def recording_connection() -> Connection:
    app = current_app._get_current_object()
    engine = app.extensions.get(_KEY)
    if engine is None:
        with _lock:
            engine = app.extensions.get(_KEY)
            if engine is None:
                engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                                       hide_parameters=True)
                app.extensions[_KEY] = engine
    return engine.connect()
