"""Migration 0013: audit rows written before it get the market and stall their entity tells."""

from sqlalchemy import text

from market_pay.extensions import db
from tests.migration_helpers import app_at_revision, insert_region_and_market, insert_vendor


def test_existing_audit_rows_are_given_their_market_and_stall(empty_database_url):
    app, runner = app_at_revision(empty_database_url, "0010_rollup_trigger_when")
    with app.app_context():
        with db.engine.begin() as conn:
            now = insert_region_and_market(conn)
            insert_vendor(conn, 7)
            conn.execute(
                text(
                    "INSERT INTO receiving_account (id, vendor_id, bin, account_number, account_name, account_name_folded, "
                    "active, created_at) VALUES (3, 7, '970436', '123', 'A', 'a', true, :t)"
                ),
                {"t": now},
            )
            for n, (kind, entity) in enumerate(
                [
                    ("vendor", "7"),
                    ("receiving_account", "3"),
                    ("market", "M1"),
                    ("cash_sale", "survey"),
                    ("region", "C1"),
                    ("vendor", "999"),
                ]
            ):
                conn.execute(
                    text(
                        "INSERT INTO audit_log (id, at, actor_label, action, entity_type, entity_id, details) "
                        "VALUES (:id, :t, 'cli', 'x', :kind, :entity, '{}')"
                    ),
                    {"id": n + 1, "t": now, "kind": kind, "entity": entity},
                )
        db.engine.dispose()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    with app.app_context():
        with db.engine.connect() as conn:
            owners = conn.execute(text("SELECT id, market_id, vendor_id FROM audit_log ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(row) for row in owners] == [
        (1, 1, 7),
        (2, 1, 7),
        (3, 1, None),
        (4, None, None),
        (5, None, None),
        (6, None, None),
    ]
