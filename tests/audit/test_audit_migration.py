"""Migration 0013: audit rows written before it get the market and stall their entity tells."""
import pytest
from sqlalchemy import text

from market_pay.extensions import db
from tests.conftest import PG_URL, make_app
from tests.servers import scratch_postgres


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    yield scratch_postgres(PG_URL, "audit_migration")
    scratch_postgres(PG_URL, "audit_migration", drop=True)


def test_existing_audit_rows_are_given_their_market_and_stall(empty_database_url):
    app = make_app(empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0010_rollup_trigger_when"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as conn:
            now = "2026-11-20 00:00:00+00" if conn.dialect.name == "postgresql" else "2026-11-20 00:00:00.000000"
            conn.execute(text("INSERT INTO region (id, code, name, kind, path, created_at) "
                              "VALUES (1, 'C1', 'Xã', 'commune', '/C1/', :t)"), {"t": now})
            conn.execute(text("INSERT INTO market (id, code, name, region_id, address, created_at, updated_at) "
                              "VALUES (1, 'M1', 'Chợ', 1, '', :t, :t)"), {"t": now})
            conn.execute(text("INSERT INTO vendor (id, market_id, stall_code, display_name, phone, status, created_at, "
                              "updated_at) VALUES (7, 1, 'A', 'A', '0912345678', 'active', :t, :t)"), {"t": now})
            conn.execute(text("INSERT INTO receiving_account (id, vendor_id, bin, account_number, account_name, account_name_folded, "
                              "active, created_at) VALUES (3, 7, '970436', '123', 'A', 'a', true, :t)"), {"t": now})
            for n, (kind, entity) in enumerate([("vendor", "7"), ("receiving_account", "3"), ("market", "M1"),
                                                ("cash_sale", "survey"), ("region", "C1"), ("vendor", "999")]):
                conn.execute(text("INSERT INTO audit_log (id, at, actor_label, action, entity_type, entity_id, details) "
                                  "VALUES (:id, :t, 'cli', 'x', :kind, :entity, '{}')"),
                             {"id": n + 1, "t": now, "kind": kind, "entity": entity})
        db.engine.dispose()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    with app.app_context():
        with db.engine.connect() as conn:
            owners = conn.execute(text("SELECT id, market_id, vendor_id FROM audit_log ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(row) for row in owners] == [(1, 1, 7), (2, 1, 7), (3, 1, None), (4, None, None),
                                              (5, None, None), (6, None, None)]
