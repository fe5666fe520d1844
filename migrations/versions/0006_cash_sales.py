"""Cash sales; a partial index on the matcher's pending queue

Revision ID: 0006_cash_sales
Revises: 0005_reconciliation
Create Date: 2026-12-01 07:32:02.210347

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_cash_sales"
down_revision = "0005_reconciliation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cash_sale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["market_id"], ["market.id"], name=op.f("fk_cash_sale_market_id_market")),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"], ["user.id"], name=op.f("fk_cash_sale_recorded_by_user_id_user")
        ),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor.id"], name=op.f("fk_cash_sale_vendor_id_vendor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_sale")),
    )
    with op.batch_alter_table("cash_sale", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cash_sale_market_id"), ["market_id"], unique=False)
        batch_op.create_index("ix_cash_sale_vendor_occurred", ["vendor_id", "occurred_at"], unique=False)

    with op.batch_alter_table("bank_transaction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_transaction_pending",
            ["id"],
            unique=False,
            postgresql_where=sa.text("match_kind = 'pending'"),
            sqlite_where=sa.text("match_kind = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table("bank_transaction", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_bank_transaction_pending",
            postgresql_where=sa.text("match_kind = 'pending'"),
            sqlite_where=sa.text("match_kind = 'pending'"),
        )

    with op.batch_alter_table("cash_sale", schema=None) as batch_op:
        batch_op.drop_index("ix_cash_sale_vendor_occurred")
        batch_op.drop_index(batch_op.f("ix_cash_sale_market_id"))

    op.drop_table("cash_sale")
