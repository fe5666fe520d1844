"""Recovered transactions keep the statement's id in their own column, so a statement line never
occupies a partner transaction id (issue 17, finding 2); the rollups keep the recovered value apart

Revision ID: 0011
Revises: 0010_rollup_trigger_when
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010_rollup_trigger_when'
branch_labels = None
depends_on = None
ROLLUP_TABLES = ('stall_day_total', 'stall_month_total', 'market_day_total')


def upgrade():
    # add_column and create_index only: no table rebuild on SQLite, so the rollup triggers stay.
    op.add_column('bank_transaction', sa.Column('statement_txn_id', sa.String(length=200), nullable=True))
    op.create_index('ix_bank_transaction_statement_id', 'bank_transaction', ['partner', 'statement_txn_id'],
                    postgresql_where=sa.text('statement_txn_id IS NOT NULL'),
                    sqlite_where=sa.text('statement_txn_id IS NOT NULL'))
    for table in ROLLUP_TABLES:
        op.add_column(table, sa.Column('recovered_value', sa.BigInteger(), nullable=False, server_default='0'))
    # The stall-days holding recovered credits are recomputed by the next refresh.
    op.execute("INSERT INTO rollup_dirty (vendor_id, at) SELECT DISTINCT vendor_id, booked_at FROM bank_transaction "
               "WHERE confirmation = 'recovered' AND vendor_id IS NOT NULL")


def downgrade():
    for table in ROLLUP_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('recovered_value')
    op.drop_index('ix_bank_transaction_statement_id', table_name='bank_transaction')
    with op.batch_alter_table('bank_transaction', schema=None) as batch_op:
        batch_op.drop_column('statement_txn_id')
