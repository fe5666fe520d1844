"""The PostgreSQL connections callbacks are recorded on: autocommit, no pre-ping, driver-level.

A callback's recording is one statement (callbacks.py), which PostgreSQL runs atomically and
commits as it completes. On connections that are always in autocommit it needs no BEGIN and no
COMMIT round trip, and no switching of the isolation level per request; without pool pre-ping it
needs no "SELECT 1" either. The statement goes straight to the driver (psycopg): SQLAlchemy's
Connection and execution context cost about 100 µs of CPU per callback (measured), and even its
pool's checkout and checkin (the connection record, its events, the reset on return — a
`rollback()` that an autocommit connection never needs) cost about 60 µs more (measured under
load, issue 23). So the recording connections sit in a plain LIFO stack of open psycopg
connections, each with its own cursor (psycopg keeps, per cursor, the parameter adapters it
found: reusing it spares looking them up again for every callback).

A connection that died while pooled (a database restart) fails its statement instead; the idle
ones are dropped with it (likely dead too), and the route records the callback again on a fresh
one (callbacks_api.py) — safe, because recording is idempotent: a statement that did commit
before the connection broke makes the repeat a duplicate. Driver errors are raised as
SQLAlchemy's, like everywhere else (errors.py answers 503 for a database that is down).

One pool per app and process, made on first use, so gunicorn's workers each make their own after
the fork. Everything else (and SQLite) uses the app's session as usual.
"""

import threading
from collections import deque

import psycopg
from flask import current_app
from sqlalchemy.exc import DBAPIError

from ..app_state import app_state
from ..errors import ServiceUnavailable
from ..extensions import db

_KEY = "market_pay_recording_connections"
# Idle connections kept per process, as many as SQLAlchemy's pool keeps by default (the database
# serves every process of every service within its max_connections): a gunicorn worker's threads
# (4 in the `api` pool) each hold at most one at a time; beyond that many idle at once a burst is
# over, and the extra ones are closed rather than held open on the database.
MAX_IDLE = 5
# Open at once per process, at most, as SQLAlchemy's default pool (5 + 10 overflow): a worker of
# the `all` pool runs 200 threads, and a burst of callbacks must not open 200 connections. A
# thread that finds them all in use waits for one, as long as SQLAlchemy's pool would, then 503.
MAX_OPEN = 15
WAIT_SECONDS = 30.0


class RecordingConnections:
    """Open autocommit psycopg connections, each with its cursor, taken and given back LIFO.

    deque.pop() and deque.append() are atomic, so the worker's threads need no lock to share
    them: a thread that finds the stack empty opens a new connection, unless MAX_OPEN are in use.
    """

    def __init__(self, connect_args: tuple, connect_kwargs: dict):
        self._connect_args = connect_args
        self._connect_kwargs = connect_kwargs
        self._idle: deque[tuple[psycopg.Connection, psycopg.Cursor]] = deque()
        self._in_use = threading.BoundedSemaphore(MAX_OPEN)

    def execute(self, sql: str, params: dict) -> list[tuple]:
        """Run one statement (psycopg's %(name)s placeholders) in autocommit; its rows."""
        if not self._in_use.acquire(timeout=WAIT_SECONDS):
            raise ServiceUnavailable()  # the bank retries later
        try:
            return self._execute(sql, params)
        finally:
            self._in_use.release()

    def _execute(self, sql: str, params: dict) -> list[tuple]:
        try:
            connection, cursor = self._idle.pop()
        except IndexError:
            connection, cursor = self._connect()
        try:
            rows = cursor.execute(sql, params).fetchall()
        except psycopg.Error as error:
            broken = connection.broken
            connection.close()  # errors are rare: a fresh connection beats proving this one clean
            if broken:
                # A broken connection means the idle ones are likely dead too (a restart): drop
                # them all, as SQLAlchemy's pool does on a disconnect.
                self.dispose()
            raise DBAPIError.instance(
                sql, None, error, psycopg.Error, hide_parameters=True, connection_invalidated=broken
            ) from error
        except BaseException:
            connection.close()  # interrupted mid-statement: its protocol state is unknown
            raise
        if len(self._idle) < MAX_IDLE:
            self._idle.append((connection, cursor))
        else:
            connection.close()
        return rows

    def _connect(self) -> tuple[psycopg.Connection, psycopg.Cursor]:
        try:
            connection = psycopg.connect(*self._connect_args, **self._connect_kwargs, autocommit=True)
        except psycopg.Error as error:  # the database is down: a 503 for the bank to retry (errors.py)
            raise DBAPIError.instance(None, None, error, psycopg.Error, hide_parameters=True) from error
        return connection, connection.cursor()

    def idle(self) -> int:
        """How many open connections wait for the next callback."""
        return len(self._idle)

    def dispose(self):
        """Close every idle connection (those in use are closed when they fail, or kept)."""
        while True:
            try:
                connection, _cursor = self._idle.pop()
            except IndexError:
                return
            connection.close()


def connections() -> RecordingConnections:
    """This app's recording connections in this process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    pool = app.extensions.get(_KEY)
    if pool is None:
        with app_state(app).lock:
            pool = app.extensions.get(_KEY)
            if pool is None:
                # The app's own URL, read by SQLAlchemy's dialect as it would for its own pool.
                engine = db.engine
                args, kwargs = engine.dialect.create_connect_args(engine.url)
                pool = app.extensions[_KEY] = RecordingConnections(tuple(args), dict(kwargs))
    return pool


def execute(sql: str, params: dict) -> list[tuple]:
    """Run one statement (psycopg's %(name)s placeholders) in autocommit; its rows."""
    return connections().execute(sql, params)
