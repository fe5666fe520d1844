"""Sign-in attempts counted in one atomic row per key; page sessions apart from API tokens; a PIN
reset by a manager must be changed

Revision ID: 0014_accounts_self_service
Revises: (previous file in the chain)
Create Date: 2026-12-01 20:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_accounts_self_service"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attempt_counter",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_attempt_counter")),
    )
    with op.batch_alter_table("attempt_counter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_counter_started_at"), ["started_at"], unique=False)
    # Failures recorded row by row are only a throttle's memory: the new counters start empty.
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failure_key_at")
    op.drop_table("login_failure")
    # Tokens issued before this revision were used by pages and API alike; they stay API tokens,
    # so a page signed in before the upgrade is asked to sign in once more.
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=10), server_default="api", nullable=False))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_pin", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("must_change_pin")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("purpose")
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index("ix_login_failure_key_at", ["key", "at"], unique=False)
    with op.batch_alter_table("attempt_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_counter_started_at"))
    op.drop_table("attempt_counter")
