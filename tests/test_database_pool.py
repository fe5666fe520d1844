"""Pooled PostgreSQL connections are pinged only after sitting idle (extensions.configure_postgres_engine):
a connection the database dropped is replaced before use once idle, and within the idle window the
one request that finds it dead gets a 503 (never a 500) and the next one a fresh connection.

The requests here are a shopper's page for a reference that does not exist (404): public, and
one read through the session. /healthz checks the recording connections instead (last tests)."""

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from market_pay import extensions
from market_pay.extensions import db


def _drop_idle_connections():
    """What a database restart does to the pool: every idle connection of ours is gone."""
    outsider = create_engine(db.engine.url, poolclass=NullPool)  # not one of the pool's own connections
    with outsider.connect() as conn:
        dropped = conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
            )
        )
        conn.commit()
    outsider.dispose()
    assert dropped >= 1


@pytest.fixture
def postgres_app(committed):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to lose its connections")
    yield committed
    db.session.remove()
    db.engine.dispose()  # connections the test left dead must not serve the next test


# A public read through the app's session and pool: 404 while the database answers.
READ = "/pay/NO-SUCH-REFERENCE"


def _checkouts_that_pinged(monkeypatch):
    pings = []
    original = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(1) or original(conn))
    return pings


def test_a_connection_back_in_the_pool_a_moment_ago_is_used_without_a_ping(postgres_app, monkeypatch):
    client = postgres_app.test_client()
    assert client.get(READ).status_code == 404  # its connection is now back in the pool
    pings = _checkouts_that_pinged(monkeypatch)
    for _ in range(5):
        assert client.get(READ).status_code == 404
    assert pings == []


def test_an_idle_connection_the_database_dropped_is_replaced_before_use(postgres_app, monkeypatch):
    client = postgres_app.test_client()
    assert client.get(READ).status_code == 404
    db.session.remove()
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)  # everything counts as idle
    invalidated = []

    def count(*_args):
        invalidated.append(1)

    event.listen(db.engine, "invalidate", count)
    try:
        _drop_idle_connections()
        assert client.get(READ).status_code == 404
    finally:
        event.remove(db.engine, "invalidate", count)
    assert invalidated  # the ping found the dead connection and the pool replaced it before the request ran


def test_within_the_idle_window_a_dropped_connection_costs_one_503_then_recovers(postgres_app):
    client = postgres_app.test_client()
    assert client.get(READ).status_code == 404
    db.session.remove()
    _drop_idle_connections()
    # Not pinged (it came back a moment ago), so the request itself finds the connection dead;
    # SQLAlchemy then drops the pool, and the next request connects afresh.
    assert [client.get(READ).status_code for _ in range(3)] == [503, 404, 404]


def test_the_health_check_runs_on_the_recording_connections_not_the_app_pool(postgres_app, monkeypatch):
    """/healthz's SELECT 1 goes to the recording connections (one round trip, no SQLAlchemy pool):
    the app pool lends nothing for it, so it can neither leave a connection in autocommit there
    nor pay the pool's checkout and checkin (issue 23)."""
    from market_pay.payments import recording_engine

    client = postgres_app.test_client()
    checkouts = []

    def count(*_args):
        checkouts.append(1)

    event.listen(db.engine, "checkout", count)
    try:
        with postgres_app.app_context():
            recording_engine.connections().dispose()
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    finally:
        event.remove(db.engine, "checkout", count)
    assert checkouts == []
    with postgres_app.app_context():
        assert recording_engine.connections().idle() == 1  # one connection, reused three times


def test_a_recording_connection_the_database_dropped_is_replaced_within_the_check(postgres_app):
    """A restart kills the idle recording connections (no pre-ping there): the check that finds
    one dead drops them and asks again on a fresh one, so it answers for the database (200), not
    for the stale connection; a database that is really down is still a 503 (test_app.py)."""
    from market_pay.payments import recording_engine

    client = postgres_app.test_client()
    with postgres_app.app_context():
        recording_engine.connections().dispose()  # an earlier test may have left dead ones
    assert client.get("/healthz").status_code == 200
    with postgres_app.app_context():
        (before,) = [conn for conn, _cursor in recording_engine.connections()._idle]
    _drop_idle_connections()
    assert before.closed is False  # (psycopg learns of it only when it next talks)
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    with postgres_app.app_context():
        (after,) = [conn for conn, _cursor in recording_engine.connections()._idle]
    assert after is not before and before.closed
