"""Rollup triggers with WHEN clauses: recording a callback (no stall yet) calls no trigger function

Revision ID: 0010_rollup_trigger_when
Revises: 0009_callback_indexes
Create Date: 2026-12-01 09:02:00

"""

from alembic import op

from market_pay.reports import triggers

# revision identifiers, used by Alembic.
revision = "0010_rollup_trigger_when"
down_revision = "0009_callback_indexes"
branch_labels = None
depends_on = None


def upgrade():
    # remove() knows every trigger name any version installed; install() puts in today's set.
    triggers.remove(op.get_bind())
    triggers.install(op.get_bind())


def downgrade():
    pass  # the triggers with WHEN clauses mark exactly what the earlier ones did
