"""Shared extension objects: the database (with a constraint naming convention) and migrations."""

import re
import time
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from flask import has_request_context, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table, event, exc
from sqlalchemy.orm import DeclarativeBase

# Named constraints make Alembic migrations deterministic on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """SQLAlchemy 2's typed declarative base: models declare `Mapped[...]` columns."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model maps one table (SQLAlchemy allows any FROM clause)


db = SQLAlchemy(model_class=Base)
# Models subclass `Model`. At run time it is Flask-SQLAlchemy's `db.Model` (Base plus table names
# from class names and the app's engine); a type checker cannot follow that dynamic class, so it
# sees the Base it is built from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

# render_as_batch lets later migrations alter tables on SQLite (which cannot ALTER most things).
migrate = Migrate(render_as_batch=True, compare_type=True)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_sqlite_engine(engine):
    """Make an SQLite engine safe for several gunicorn workers.

    WAL lets readers run beside one writer; the busy timeout makes a second writer wait instead
    of failing. Python's sqlite3 module issues a deferred BEGIN lazily, and a deferred transaction
    that later wants to write fails at once with "database is locked" (SQLITE_BUSY is not retried
    on a lock upgrade). So we take the driver's transaction handling over and open every
    transaction with BEGIN IMMEDIATE: writers queue on the busy timeout instead of erroring.
    This is also what makes SAVEPOINT work for the test fixtures.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0


def configure_postgres_engine(engine):
    """Ping a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's pool_pre_ping sends "SELECT 1" on every checkout: one more round trip for every
    request, to catch a connection that died in the pool (a database restart, an idle timeout
    in a proxy). A connection returned a moment ago almost certainly is alive, so this pings
    only those idle for PING_AFTER_IDLE_SECONDS or more (SQLAlchemy's documented "custom
    pessimistic ping"). If the database did restart within those seconds, the request on a dead
    connection fails with a disconnect: SQLAlchemy then drops the whole pool, errors.py answers
    503 and the client (a bank retries) gets a fresh connection on its next try.
    """

    begin_lazily_on_reads(engine)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is not None and time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError() from error
        if not alive:
            raise exc.DisconnectionError()


# Requests that by HTTP's own rules only read; only these start without a BEGIN.
READ_METHODS = frozenset({"GET", "HEAD"})
_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
# A SELECT that locks rows, takes an advisory lock (pg_advisory_xact_lock: the matcher, the
# rollup refresh and reconciliation take turns with one), creates a table (SELECT … INTO) or
# changes state through a function needs the transaction: it goes out after a BEGIN like any
# write. Anything else that is not a plain SELECT (a leading comment, WITH, EXPLAIN) does too.
_NEEDS_TRANSACTION = re.compile(
    r"\bFOR\s+(?:UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b|\bINTO\b|\bpg_(?:try_)?advisory"
    r"|\bset_config\b|\b(?:next|set)val\b",
    re.IGNORECASE,
)
_LAZY = "market_pay.begin_lazily"  # in the pool record's info: this checkout started in autocommit


@lru_cache(maxsize=4096)  # statements come from SQLAlchemy's compiled cache: a bounded set
def is_plain_read(statement: str) -> bool:
    """A SELECT that neither locks nor writes: safe to run outside a transaction."""
    return _SELECT.match(statement) is not None and _NEEDS_TRANSACTION.search(statement) is None


def begin_lazily_on_reads(engine) -> None:
    """In a GET or HEAD request, send BEGIN only with the first statement that needs it.

    A request that only reads used to cost BEGIN and ROLLBACK, two round trips around its
    SELECTs (and the ROLLBACK made psycopg forget its prepared statements, so every SELECT was
    parsed and planned again). Now the session's transaction starts with the driver in
    autocommit: plain SELECTs go out alone. The first statement that is not a plain SELECT (any
    write, SAVEPOINT, SELECT … FOR UPDATE, pg_advisory_xact_lock) switches the driver back
    before it is sent, so psycopg sends BEGIN first and everything from there on is one
    transaction, committed or rolled back as before.

    Why the reads lose nothing: PostgreSQL's default isolation, READ COMMITTED (ours: nothing
    here asks for another), takes a new snapshot for every statement, inside a transaction or
    not. So two SELECTs of one request never shared a snapshot; running them in autocommit
    changes no answer. A plain SELECT holds no lock that outlives it at READ COMMITTED, so
    nothing is released early either. Reads that must agree with each other have to ask for
    REPEATABLE READ (a transaction whose BEGIN comes first): none does today, and this hook
    would see that as a connection already in a transaction and leave it alone.

    Only the engine's Connections in a request's context are touched: the CLI, the matcher's
    thread, the callback recorder's own engine and POST/PUT/PATCH/DELETE requests behave as
    before. SQLite is not involved (its transactions are BEGIN IMMEDIATE, extensions above).
    """
    from psycopg.pq import TransactionStatus

    idle = TransactionStatus.IDLE

    @event.listens_for(engine, "begin")
    def _start_in_autocommit(connection):
        if not has_request_context() or request.method not in READ_METHODS:
            return
        if connection.get_execution_options().get("isolation_level") is not None:
            return  # the caller chose its own mode
        driver = connection.connection.driver_connection
        if driver.info.transaction_status == idle and not driver.autocommit:
            driver.autocommit = True  # no round trip: psycopg just skips its BEGIN
            connection.info[_LAZY] = True

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_the_first_write(connection, cursor, statement, _params, _context, _executemany):
        info = connection.info
        if info.get(_LAZY) and not is_plain_read(statement):
            cursor.connection.autocommit = False  # psycopg sends BEGIN before this statement
            info[_LAZY] = False

    @event.listens_for(engine, "checkin")
    def _back_to_transactions(dbapi_connection, record):
        if record.info.pop(_LAZY, False) and dbapi_connection is not None:
            dbapi_connection.autocommit = False  # as every other user of the pool expects
