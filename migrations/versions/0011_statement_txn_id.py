"""Recovered transactions keep the statement's id in their own column, so a statement line never
occupies a partner transaction id (issue 17, finding 2); the rollups keep the recovered value apart
and count in BigInteger (finding 3)

Revision ID: 0011
Revises: 0010_rollup_trigger_when
Create Date: 2026-12-01 20:00:00

"""

import sqlalchemy as sa
from alembic import op

from market_pay.reports import triggers

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010_rollup_trigger_when"
branch_labels = None
depends_on = None
ROLLUP_TABLES = ("stall_day_total", "stall_month_total", "market_day_total")


def upgrade():
    # add_column and create_index only: no table rebuild on SQLite, so the rollup triggers stay.
    op.add_column("bank_transaction", sa.Column("statement_txn_id", sa.String(length=200), nullable=True))
    op.create_index(
        "ix_bank_transaction_statement_id",
        "bank_transaction",
        ["partner", "statement_txn_id"],
        postgresql_where=sa.text("statement_txn_id IS NOT NULL"),
        sqlite_where=sa.text("statement_txn_id IS NOT NULL"),
    )
    for table in ROLLUP_TABLES:
        op.add_column(table, sa.Column("recovered_value", sa.BigInteger(), nullable=False, server_default="0"))
        # Counts as wide as the values: no sum of what the service accepts overflows. (The rollup
        # tables carry no triggers, so SQLite's table rebuild loses nothing.)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ("cashless_count", "cash_count"):
                batch_op.alter_column(
                    column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
                )
    # The stall-days holding recovered credits are recomputed by the next refresh.
    op.execute(
        "INSERT INTO rollup_dirty (vendor_id, at) SELECT DISTINCT vendor_id, booked_at FROM bank_transaction "
        "WHERE confirmation = 'recovered' AND vendor_id IS NOT NULL"
    )


def downgrade():
    for table in ROLLUP_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ("cashless_count", "cash_count"):
                batch_op.alter_column(
                    column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
                )
            batch_op.drop_column("recovered_value")
    op.drop_index("ix_bank_transaction_statement_id", table_name="bank_transaction")
    with op.batch_alter_table("bank_transaction", schema=None) as batch_op:
        batch_op.drop_column("statement_txn_id")
    # SQLite rebuilt bank_transaction to drop the column, and its triggers with it.
    triggers.remove(op.get_bind())
    triggers.install(op.get_bind())
