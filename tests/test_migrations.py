"""Migrations build the whole schema from nothing and agree with the models (no drift)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from market_pay.extensions import db
from tests.conftest import make_app
from tests.migration_helpers import app_at_revision, insert_region_and_market, insert_vendor, timestamp

EXPECTED_TABLES = {
    "region",
    "market",
    "vendor",
    "receiving_account",
    "user",
    "api_token",
    "attempt_counter",
    "rate_counter",
    "partner_credential",
    "inbox_entry",
    "payment_request",
    "bank_transaction",
    "suspense_item",
    "feed_counter",
    "reconciliation_run",
    "reconciliation_run_market",
    "reconciliation_break",
    "statement_pull",
    "cash_sale",
    "audit_log",
    "stall_day_total",
    "stall_month_total",
    "rollup_dirty",
    "market_day_total",
    "alembic_version",
}


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


def test_history_recorded_before_the_rollups_existed_is_rolled_up_after_the_upgrade(empty_database_url):
    """A database at 0006 with credits and cash (one stall, two local days, one of them across
    UTC midnight) gets its stall-days marked by 0007; the first refresh then computes them."""
    from sqlalchemy import text

    from market_pay.reports import rollups
    from market_pay.reports.models import StallDayTotal

    app, runner = app_at_revision(empty_database_url, "0006_cash_sales")
    with app.app_context():
        with db.engine.begin() as conn:
            insert_region_and_market(conn)
            insert_vendor(conn, 1)
            for n, (booked, amount) in enumerate(
                [
                    ("2026-11-20 16:30:00", 10_000),  # 23:30 on the 20th, Vietnam
                    ("2026-11-20 17:30:00", 20_000),  # 00:30 on the 21st
                    ("2026-11-21 02:00:00", 30_000),
                ]
            ):  # 09:00 on the 21st
                conn.execute(
                    text(
                        "INSERT INTO bank_transaction (partner, partner_txn_id, bank_reference, account_number, amount, "
                        "direction, description, booked_at, received_at, match_kind, vendor_id, underpaid, overpaid, "
                        "below_floor, late, reversed, confirmation) VALUES ('simbank', :id, :id, '1', :amount, 'in', '', "
                        ":booked, :booked, 'static', 1, false, false, false, false, false, 'provisional')"
                    ),
                    {
                        "id": f"T{n}",
                        "amount": amount,
                        "booked": booked + ("+00" if conn.dialect.name == "postgresql" else ".000000"),
                    },
                )
        db.engine.dispose()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        rollups.refresh()
        db.session.commit()
        days = {
            (row.day.isoformat(), row.cashless_count, row.cashless_value)
            for row in db.session.scalars(db.select(StallDayTotal))
        }
        db.session.remove()
        db.engine.dispose()
    assert days == {("2026-11-20", 1, 10_000), ("2026-11-21", 2, 50_000)}


def test_0012_keeps_every_accounts_state_and_gives_vendors_a_legal_name(empty_database_url):
    """Existing accounts stay as they were (live → active, deactivated → inactive); a vendor's
    legal name is its oldest live account's name, else its display name."""
    from sqlalchemy import text

    app, runner = app_at_revision(empty_database_url, "0010_rollup_trigger_when")
    with app.app_context():
        with db.engine.begin() as conn:
            now = insert_region_and_market(conn)
            for vendor_id, display in ((1, "Rau bà Hoa"), (2, "Không tài khoản")):
                insert_vendor(conn, vendor_id, f"A{vendor_id}", display)
            for account_id, number, name, active in (
                (1, "111", "TRAN THI CU", False),
                (2, "222", "NGUYỄN THỊ HOA", True),
            ):
                conn.execute(
                    text(
                        "INSERT INTO receiving_account (id, vendor_id, bin, account_number, account_name, "
                        "account_name_folded, active, created_at) VALUES (:id, 1, '970405', :n, :name, "
                        ":name, :active, :t)"
                    ),
                    {"id": account_id, "n": number, "name": name, "active": active, "t": now},
                )
        db.engine.dispose()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    with app.app_context():
        with db.engine.connect() as conn:
            statuses = dict(conn.execute(text("SELECT id, status FROM receiving_account")).all())
            names = dict(conn.execute(text("SELECT id, legal_name FROM vendor")).all())
        db.engine.dispose()
    assert statuses == {1: "inactive", 2: "active"}
    assert names == {1: "NGUYỄN THỊ HOA", 2: "Không tài khoản"}


def test_0019_keeps_the_last_survey_row_of_each_day_and_every_other_cash_sale(empty_database_url):
    """Duplicates a race left (the same market, stall and day's survey written twice) are cut to
    the last written; stall-recorded sales, other days and other stalls are left alone."""
    from sqlalchemy import text

    app, runner = app_at_revision(empty_database_url, "0017")
    noon, other_noon = "2026-11-18 05:00:00", "2026-11-19 05:00:00"  # local noon (UTC+7)
    with app.app_context():
        with db.engine.begin() as conn:
            now = insert_region_and_market(conn)
            for vendor_id in (1, 2):
                insert_vendor(conn, vendor_id, f"A{vendor_id}")
            for sale_id, vendor_id, amount, source, at in (
                (1, 1, 100, "survey", noon),
                (2, 1, 200, "survey", noon),  # the race's second row: kept (written last)
                (3, 1, 300, "survey", other_noon),
                (4, 2, 400, "survey", noon),
                (5, None, 500, "survey", noon),
                (6, None, 600, "survey", noon),  # whole-market duplicate: kept (written last)
                (7, 1, 700, "stall", noon),
                (8, 1, 700, "stall", noon),  # two real sales at one instant: both stay
            ):
                conn.execute(
                    text(
                        "INSERT INTO cash_sale (id, market_id, vendor_id, amount, count, occurred_at, source, "
                        "created_at) VALUES (:id, 1, :vendor, :amount, 1, :at, :source, :t)"
                    ),
                    {"id": sale_id, "vendor": vendor_id, "amount": amount, "at": timestamp(conn, at), "source": source}
                    | {"t": now},
                )
            conn.execute(text("DELETE FROM rollup_dirty"))  # as if the rollups were up to date
        db.engine.dispose()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    with app.app_context():
        with db.engine.connect() as conn:
            left = conn.execute(text("SELECT id FROM cash_sale ORDER BY id")).scalars().all()
            marked = conn.execute(text("SELECT DISTINCT vendor_id FROM rollup_dirty")).scalars().all()
        db.engine.dispose()
    assert left == [2, 3, 4, 6, 7, 8]
    assert marked == [1]  # the deleted row of stall A1 marks its day for the rollup refresh
