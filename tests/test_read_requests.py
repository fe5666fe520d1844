"""GET and HEAD requests on PostgreSQL send BEGIN only with their first statement that needs a
transaction (extensions.begin_lazily_on_reads): plain SELECTs go out alone, and anything that
writes or locks still runs in one transaction that commits or rolls back as a whole.

Each test builds its own app (routes added for the test, one pooled connection so the connection
a request used is the one the test inspects afterwards) on the run's PostgreSQL database; what
the routes see of the connection is recorded and checked after the request."""

import pytest
from flask import jsonify
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from market_pay import create_app
from market_pay.errors import NotFound
from market_pay.extensions import db, is_plain_read
from market_pay.regions.models import Region

LOCK_KEY = 7_230_023  # an advisory lock key no production code uses


@pytest.fixture
def pg_app(migrated_app):
    url = migrated_app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite keeps its BEGIN IMMEDIATE transactions")
    config = {key: migrated_app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "MATCHER")}
    app = create_app({**config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}})
    seen: dict = {}
    app.extensions["test_seen"] = seen

    def status():
        return db.session.connection().connection.driver_connection.info.transaction_status

    def backend_holds_lock(pid: int) -> bool:
        outsider = create_engine(url, poolclass=NullPool)
        try:
            with outsider.connect() as conn:
                return bool(
                    conn.scalar(
                        text(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key "
                            "AND pid = :pid AND granted"
                        ),
                        {"key": LOCK_KEY, "pid": pid},
                    )
                )
        finally:
            outsider.dispose()

    def read_only():
        seen["count"] = db.session.scalar(text("SELECT count(*) FROM region"))
        seen["after_select"] = status()
        return jsonify(ok=True)

    def read_then_lock():
        db.session.scalar(text("SELECT 1"))
        seen["after_select"] = status()
        db.session.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))
        seen["after_lock"] = status()
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        seen["lock_held_during_request"] = backend_holds_lock(pid)
        db.session.commit()
        seen["lock_held_after_commit"] = backend_holds_lock(pid)
        return jsonify(ok=True)

    def read_then_lock_rows():
        db.session.scalar(text("SELECT 1"))
        db.session.execute(select(Region).with_for_update()).all()
        seen["after_for_update"] = status()
        return jsonify(ok=True)

    def read_write_then_fail():
        db.session.scalar(text("SELECT count(*) FROM region"))
        db.session.add(Region(code=seen["code"], name="Xã thử", kind="commune", path="/x/"))
        db.session.flush()
        seen["after_write"] = status()
        raise NotFound("made to fail after writing")

    def post_reads():
        db.session.scalar(text("SELECT 1"))
        seen["after_select"] = status()
        return jsonify(ok=True)

    app.add_url_rule("/test/read-only", view_func=read_only, methods=["GET"])
    app.add_url_rule("/test/read-then-lock", view_func=read_then_lock, methods=["GET"])
    app.add_url_rule("/test/read-then-lock-rows", view_func=read_then_lock_rows, methods=["GET"])
    app.add_url_rule("/test/read-write-then-fail", view_func=read_write_then_fail, methods=["GET"])
    app.add_url_rule("/test/post-reads", view_func=post_reads, methods=["POST"])
    # No app context is kept pushed: each request gets its own, and its teardown hands the
    # session's connection back to the pool, as in production.
    yield app
    with app.app_context():
        db.engine.dispose()


def _pooled_connection_mode(app):
    """The pool's one connection, as the next user gets it."""
    with app.app_context(), db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        return driver.autocommit, driver.info.transaction_status


def test_a_request_that_only_reads_sends_no_begin_and_hands_back_a_transactional_connection(pg_app):
    assert pg_app.test_client().get("/test/read-only").status_code == 200
    seen = pg_app.extensions["test_seen"]
    assert seen["after_select"] == TransactionStatus.IDLE  # the SELECT ran, no transaction was opened
    assert _pooled_connection_mode(pg_app) == (False, TransactionStatus.IDLE)


def test_an_advisory_lock_taken_in_a_get_is_held_until_the_commit(pg_app):
    """pg_advisory_xact_lock is a SELECT: it must open the transaction, or the lock that makes
    the matcher, rollup refreshes and reconciliations take turns would be released at once."""
    assert pg_app.test_client().get("/test/read-then-lock").status_code == 200
    seen = pg_app.extensions["test_seen"]
    assert seen["after_select"] == TransactionStatus.IDLE
    assert seen["after_lock"] == TransactionStatus.INTRANS
    assert seen["lock_held_during_request"] is True
    assert seen["lock_held_after_commit"] is False


def test_select_for_update_in_a_get_runs_in_a_transaction(pg_app):
    assert pg_app.test_client().get("/test/read-then-lock-rows").status_code == 200
    assert pg_app.extensions["test_seen"]["after_for_update"] == TransactionStatus.INTRANS


def test_a_get_that_writes_and_then_fails_leaves_nothing_behind(pg_app):
    seen = pg_app.extensions["test_seen"]
    seen["code"] = "LAZYBEGIN1"
    try:
        assert pg_app.test_client().get("/test/read-write-then-fail").status_code == 404
        assert seen["after_write"] == TransactionStatus.INTRANS
        with pg_app.app_context():
            assert db.session.scalar(select(Region).where(Region.code == "LAZYBEGIN1")) is None
        assert _pooled_connection_mode(pg_app) == (False, TransactionStatus.IDLE)
    finally:
        with pg_app.app_context():
            db.session.execute(Region.__table__.delete().where(Region.code == "LAZYBEGIN1"))
            db.session.commit()


def test_a_post_opens_its_transaction_with_its_first_statement(pg_app):
    assert pg_app.test_client().post("/test/post-reads").status_code == 200
    assert pg_app.extensions["test_seen"]["after_select"] == TransactionStatus.INTRANS


@pytest.mark.parametrize(
    ("statement", "plain"),
    [
        ("SELECT vendor.id FROM vendor WHERE vendor.id = %(pk_1)s", True),
        ("  select count(*) from region", True),
        ("SELECT market.id FROM market FOR UPDATE", False),
        ("SELECT vendor.id FROM vendor FOR NO KEY UPDATE SKIP LOCKED", False),
        ("SELECT x FROM t FOR SHARE", False),
        ("SELECT pg_advisory_xact_lock(42)", False),
        ("SELECT pg_try_advisory_xact_lock(42)", False),
        ("SELECT set_config('x.y', '1', true)", False),
        ("SELECT * INTO copied FROM region", False),
        ("/* why */ SELECT 1", False),
        ("SELECT setval(pg_get_serial_sequence('bank_transaction', 'id'), 10)", False),
        ("WITH moved AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM moved", False),
        ("INSERT INTO region (code) VALUES (%(code)s)", False),
        ("SAVEPOINT sa_savepoint_1", False),
    ],
)
def test_only_selects_that_neither_lock_nor_write_skip_the_transaction(statement, plain):
    assert is_plain_read(statement) is plain
