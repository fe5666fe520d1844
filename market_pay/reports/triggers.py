"""The triggers that mark a stall's figures as changed, whatever wrote the change.

Money reaches a stall's figures through many writers: the matcher (one by one and in bulk
UPDATEs), reversals, suspense resolutions, reconciliation (confirmations in bulk, recoveries),
cash sales and their undo, survey imports. A trigger on the two base tables sees all of them, so
the rollups cannot silently drift when a new writer is added. Each changed row inserts the
stall and the instant (booked_at / occurred_at) into rollup_dirty; the refresh turns the instant
into an Asia/Ho_Chi_Minh day in Python, so no time-zone logic lives in SQL.

Rows without a stall (a callback not yet matched, money in suspense, a market-wide survey) mark
nothing: unmatched money is in no stall's figures, and the report reads market-wide survey cash
directly (reports/figure_queries.py).
"""

from sqlalchemy import text

# The columns whose change can alter a figure; an UPDATE of others (feed numbers, flags) is free.
TRANSACTION_COLUMNS = "vendor_id, match_kind, reversed, confirmation, amount, direction, booked_at"
CASH_COLUMNS = "vendor_id, amount, count, occurred_at"


def _postgresql_triggers(table: str, columns: str, instant: str) -> list[str]:
    # One function per table: PL/pgSQL resolves NEW.<column> against the table's row type. One
    # trigger per event, each with a WHEN clause, so a row without a stall (every callback as it
    # is recorded, before matching) never calls the function: that path is the hot one.
    function = f"{table}_mark_rollup"
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.vendor_id IS NOT NULL THEN
                INSERT INTO rollup_dirty (vendor_id, at) VALUES (OLD.vendor_id, OLD.{instant});
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.vendor_id IS NOT NULL THEN
                INSERT INTO rollup_dirty (vendor_id, at) VALUES (NEW.vendor_id, NEW.{instant});
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {table}_rollup_insert AFTER INSERT ON {table}
            FOR EACH ROW WHEN (NEW.vendor_id IS NOT NULL) EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER {table}_rollup_update AFTER UPDATE OF {columns} ON {table}
            FOR EACH ROW WHEN (OLD.vendor_id IS NOT NULL OR NEW.vendor_id IS NOT NULL) EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER {table}_rollup_delete AFTER DELETE ON {table}
            FOR EACH ROW WHEN (OLD.vendor_id IS NOT NULL) EXECUTE FUNCTION {function}()""",
    ]


_POSTGRESQL = _postgresql_triggers("bank_transaction", TRANSACTION_COLUMNS, "booked_at") + _postgresql_triggers(
    "cash_sale", CASH_COLUMNS, "occurred_at"
)
# Every name any version used (0007 had one trigger per table for all three events).
_POSTGRESQL_DROP = [
    statement
    for table in ("bank_transaction", "cash_sale")
    for statement in (
        [f"DROP TRIGGER IF EXISTS {table}_rollup ON {table}"]
        + [f"DROP TRIGGER IF EXISTS {table}_rollup_{event} ON {table}" for event in ("insert", "update", "delete")]
        + [f"DROP FUNCTION IF EXISTS {table}_mark_rollup()"]
    )
]


def _sqlite_triggers(table: str, columns: str, instant: str) -> list[str]:
    # SQLite has no trigger functions and no multi-event triggers: one trigger per event.
    return [
        f"""CREATE TRIGGER {table}_rollup_insert AFTER INSERT ON {table} WHEN NEW.vendor_id IS NOT NULL
            BEGIN INSERT INTO rollup_dirty (vendor_id, at) VALUES (NEW.vendor_id, NEW.{instant}); END""",
        f"""CREATE TRIGGER {table}_rollup_delete AFTER DELETE ON {table} WHEN OLD.vendor_id IS NOT NULL
            BEGIN INSERT INTO rollup_dirty (vendor_id, at) VALUES (OLD.vendor_id, OLD.{instant}); END""",
        f"""CREATE TRIGGER {table}_rollup_update AFTER UPDATE OF {columns} ON {table}
            WHEN OLD.vendor_id IS NOT NULL OR NEW.vendor_id IS NOT NULL
            BEGIN
                INSERT INTO rollup_dirty (vendor_id, at)
                SELECT OLD.vendor_id, OLD.{instant} WHERE OLD.vendor_id IS NOT NULL
                UNION ALL SELECT NEW.vendor_id, NEW.{instant} WHERE NEW.vendor_id IS NOT NULL;
            END""",
    ]


_SQLITE = _sqlite_triggers("bank_transaction", TRANSACTION_COLUMNS, "booked_at") + _sqlite_triggers(
    "cash_sale", CASH_COLUMNS, "occurred_at"
)
_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_rollup_{event}"
    for table in ("bank_transaction", "cash_sale")
    for event in ("insert", "delete", "update")
]


def install(connection):
    """Create the triggers (the migrations, and the bulk loader after its load)."""
    for statement in _POSTGRESQL if connection.dialect.name == "postgresql" else _SQLITE:
        connection.execute(text(statement))


def remove(connection):
    """Drop the triggers (the bulk loader, which rebuilds the rollups itself afterwards)."""
    for statement in _POSTGRESQL_DROP if connection.dialect.name == "postgresql" else _SQLITE_DROP:
        connection.execute(text(statement))
