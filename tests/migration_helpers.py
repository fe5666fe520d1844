"""For tests of data migrations: an app whose database stops at an old revision, and the rows
every such test starts from, written in SQL (the models describe the newest schema only)."""

from sqlalchemy import text

from tests.conftest import make_app

OLD_ROWS_AT = "2026-11-20 00:00:00"


def app_at_revision(database_url: str, revision: str):
    """The app and its CLI runner, the empty database upgraded to `revision` only."""
    app = make_app(database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade", revision])
    assert result.exit_code == 0, result.output
    return app, runner


def timestamp(conn, value: str = OLD_ROWS_AT) -> str:
    """A UTC timestamp literal as each database stores it."""
    return value + ("+00" if conn.dialect.name == "postgresql" else ".000000")


def insert_region_and_market(conn) -> str:
    """Commune C1 (id 1) with market M1 (id 1); returns the timestamp used."""
    now = timestamp(conn)
    conn.execute(
        text(
            "INSERT INTO region (id, code, name, kind, path, created_at) VALUES (1, 'C1', 'Xã', 'commune', '/C1/', :t)"
        ),
        {"t": now},
    )
    conn.execute(
        text(
            "INSERT INTO market (id, code, name, region_id, address, created_at, updated_at) "
            "VALUES (1, 'M1', 'Chợ', 1, '', :t, :t)"
        ),
        {"t": now},
    )
    return now


def insert_vendor(conn, vendor_id: int, stall_code: str = "A", display_name: str = "A"):
    """A stall of market M1."""
    conn.execute(
        text(
            "INSERT INTO vendor (id, market_id, stall_code, display_name, phone, status, created_at, "
            "updated_at) VALUES (:id, 1, :code, :name, '0912345678', 'active', :t, :t)"
        ),
        {"id": vendor_id, "code": stall_code, "name": display_name, "t": timestamp(conn)},
    )
