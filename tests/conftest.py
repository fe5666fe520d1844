"""Test fixtures: the schema is built once per database by running the migrations; each test runs
inside a transaction that is rolled back. Every test that uses `app` runs on SQLite, and on
PostgreSQL too when MARKET_PAY_TEST_DATABASE_URL is set: that URL names the server and the stem of
the databases the run creates for itself ("<name>_gw0", "<name>_gw1"… one per pytest-xdist worker,
"<name>_pytest" otherwise); the database it names is never changed."""

import tempfile

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

from market_pay import create_app
from market_pay.app_state import app_state
from market_pay.extensions import db
from tests.servers import BACKENDS, PG_URL, scratch_postgres, worker_postgres


def database_url(backend: str, tmp_dir) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / 'market_pay_test.db'}"
    # A database of this process's own, created for the run: never the schema behind PG_URL.
    return worker_postgres(PG_URL)


def make_app(url: str):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            # Real hashing, but cheap: thousands of users are created across the suite.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # Match in the callback request, so a test sees the outcome at once;
            # tests/payments/test_matcher.py covers the background modes.
            "MATCHER": "inline",
            # Built kits are kept by content; never in the checkout's instance folder.
            "KIT_CACHE_DIR": tempfile.mkdtemp(prefix="market_pay_kits_"),
        }
    )


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_app(request, tmp_path_factory):
    """One app per database backend, its schema created by `flask db upgrade`."""
    tmp_dir = tmp_path_factory.mktemp(request.param)
    app = make_app(database_url(request.param, tmp_dir))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()
    recording = app.extensions.get("market_pay_recording_connections")  # PostgreSQL callbacks' own
    if recording is not None:
        recording.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    """A database with nothing in it, for migration tests: a new SQLite file, or a new PostgreSQL
    database of the run's own (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield scratch_postgres(PG_URL, "empty")
    scratch_postgres(PG_URL, "empty", drop=True)


@pytest.fixture
def app(migrated_app):
    """The app with db.session joined to an outer transaction that is rolled back afterwards."""
    with migrated_app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session = db.session
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        # Callbacks record in this transaction too, so the test sees them and they are undone.
        state = app_state(migrated_app)
        production_recorder = state.callback_recorder
        state.callback_recorder = production_recorder.in_the_session()
        try:
            yield migrated_app
        finally:
            state.callback_recorder = production_recorder
            db.session.remove()
            db.session = original_session
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def committed(migrated_app):
    """The app with really committed data (other connections must see it); emptied afterwards."""
    with migrated_app.app_context():
        yield migrated_app
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture(autouse=True)
def _fresh_credential_cache(request):
    """Partner credentials are cached by the app; each test starts from its own database state."""
    if "migrated_app" not in request.fixturenames:
        yield
        return
    from market_pay.payments.partners import forget_cached_credentials

    app = request.getfixturevalue("migrated_app")
    forget_cached_credentials(app)
    yield
    forget_cached_credentials(app)


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`--dist loadgroup`), a module whose tests share a module-scoped fixture
    (a gunicorn, a browser) runs on one worker, so that fixture is set up once, not once per worker;
    every other test is handed out one by one."""
    for item in items:
        fixture_info = getattr(item, "_fixtureinfo", None)
        if fixture_info is None:
            continue
        scopes = {
            definition.scope for definitions in fixture_info.name2fixturedefs.values() for definition in definitions
        }
        if "module" in scopes:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
