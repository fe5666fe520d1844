"""Shared extension objects: the database (with a constraint naming convention) and migrations."""

import time
from typing import TYPE_CHECKING, ClassVar

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
