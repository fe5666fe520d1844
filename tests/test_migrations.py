"""Migrations build the whole schema from nothing and agree with the models (no drift)."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from market_pay.extensions import db
from tests.conftest import PG_URL, make_app
from tests.servers import scratch_postgres

EXPECTED_TABLES = {"region", "market", "vendor", "receiving_account", "user", "api_token", "login_failure", "rate_counter",
                   "partner_credential", "inbox_entry", "payment_request", "bank_transaction", "suspense_item",
                   "feed_counter", "reconciliation_run", "reconciliation_run_market", "reconciliation_break",
                   "cash_sale", "audit_log", "stall_day_total", "stall_month_total", "rollup_dirty", "market_day_total",
                   "alembic_version"}


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def empty_database_url(request, tmp_path):
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield scratch_postgres(PG_URL, "migrations")
    scratch_postgres(PG_URL, "migrations", drop=True)


def table_names(app):
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
        return names


def test_upgrade_on_an_empty_database_then_check_reports_no_drift(empty_database_url):
    app = make_app(empty_database_url)
    runner = app.test_cli_runner()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    assert table_names(app) == EXPECTED_TABLES
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output  # alembic raises (exit 1) on any drift
    with app.app_context(), db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert differences == []


def test_downgrade_to_nothing_and_upgrade_again(empty_database_url):
    app = make_app(empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    downgrade = runner.invoke(args=["db", "downgrade", "base"])
    assert downgrade.exit_code == 0, downgrade.output
    assert table_names(app) <= {"alembic_version"}
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert table_names(app) == EXPECTED_TABLES
