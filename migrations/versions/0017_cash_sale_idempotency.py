"""Cash sales carry the client's idempotency key (unique per stall): the stall board's offline
queue resends a sale with its key, and it is recorded once

Revision ID: 0017
Revises: (previous file in the chain)
Create Date: 2026-12-01 20:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0014_accounts_self_service"
branch_labels = None
depends_on = None


def upgrade():
    # add_column and create_index only: no table rebuild on SQLite, so cash_sale's rollup
    # triggers stay. Existing sales have no key (NULLs never collide in a unique index).
    op.add_column("cash_sale", sa.Column("idempotency_key", sa.String(length=100), nullable=True))
    op.create_index("ix_cash_sale_vendor_idempotency", "cash_sale", ["vendor_id", "idempotency_key"], unique=True)


def downgrade():
    from market_pay.reports import triggers

    op.drop_index("ix_cash_sale_vendor_idempotency", table_name="cash_sale")
    with op.batch_alter_table("cash_sale", schema=None) as batch_op:
        batch_op.drop_column("idempotency_key")
    # SQLite rebuilt cash_sale to drop the column, and its triggers with it.
    triggers.remove(op.get_bind())
    triggers.install(op.get_bind())
