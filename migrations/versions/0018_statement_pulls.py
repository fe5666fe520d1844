"""A day pulled from an aggregator's API (SePay, Casso) makes at most one reconciliation run

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "statement_pull",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=20), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("api", sa.String(length=10), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_label", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["reconciliation_run.id"], name=op.f("fk_statement_pull_run_id_reconciliation_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_pull")),
        sa.UniqueConstraint("partner", "statement_date", name=op.f("uq_statement_pull_partner_statement_date")),
    )


def downgrade():
    op.drop_table("statement_pull")
