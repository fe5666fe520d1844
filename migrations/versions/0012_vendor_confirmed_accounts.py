"""Vendor-confirmed accounts: account status and pending requests, the vendor's legal name

Existing accounts keep their state (active → 'active', deactivated → 'inactive'); existing
vendors get a legal name from their oldest live account's name (the bank's record of the holder),
else from their display name. A database holding one account number live under two BINs must be
cleaned by hand first: the new index refuses it (finding 5 of issue 17).

Revision ID: 0012_vendor_confirmed_accounts
Revises: (previous file in the chain)
Create Date: 2026-12-01 20:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_vendor_confirmed_accounts"
down_revision = "0011"
branch_labels = None
depends_on = None

LIVE_OR_PENDING = "status IN ('active', 'pending')"


def upgrade():
    # Columns are added in place (ALTER TABLE … ADD COLUMN), never by rebuilding the tables: on
    # SQLite a rebuild drops tables that other tables' rows still reference.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("vendor", sa.Column("legal_name", sa.String(length=100), server_default="", nullable=False))
    op.execute("""UPDATE vendor SET legal_name = COALESCE(
        (SELECT account.account_name FROM receiving_account AS account
         WHERE account.vendor_id = vendor.id ORDER BY account.active DESC, account.id LIMIT 1),
        SUBSTR(display_name, 1, 100))""")

    if sqlite:  # SQLite adds a check or a reference only as part of the new column
        # …and would test the check against today's rows before they get their status (below).
        op.execute("PRAGMA ignore_check_constraints = ON")
        op.execute(
            "ALTER TABLE receiving_account ADD COLUMN status VARCHAR(20) DEFAULT 'active' NOT NULL "
            "CONSTRAINT ck_receiving_account_live_is_active CHECK (active = (status = 'active'))"
        )
        op.execute(
            "ALTER TABLE receiving_account ADD COLUMN requested_by_id INTEGER "
            'CONSTRAINT fk_receiving_account_requested_by_id_user REFERENCES "user" (id)'
        )
    else:
        op.add_column(
            "receiving_account", sa.Column("status", sa.String(length=20), server_default="active", nullable=False)
        )
        op.add_column("receiving_account", sa.Column("requested_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_receiving_account_requested_by_id_user"), "receiving_account", "user", ["requested_by_id"], ["id"]
        )
    op.add_column("receiving_account", sa.Column("pending_change", sa.String(length=20), nullable=True))
    op.add_column("receiving_account", sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE receiving_account SET status = CASE WHEN active THEN 'active' ELSE 'inactive' END")
    if sqlite:
        op.execute("PRAGMA ignore_check_constraints = OFF")
    else:
        op.create_check_constraint("live_is_active", "receiving_account", "active = (status = 'active')")
    op.create_index(
        "uq_receiving_account_live_number",
        "receiving_account",
        ["account_number"],
        unique=True,
        sqlite_where=sa.text(LIVE_OR_PENDING),
        postgresql_where=sa.text(LIVE_OR_PENDING),
    )


def downgrade():
    op.drop_index("uq_receiving_account_live_number", table_name="receiving_account")
    # A pending or rejected account was never live: it stays an inactive one (active false).
    with op.batch_alter_table("receiving_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_receiving_account_live_is_active"), type_="check")
        if op.get_bind().dialect.name != "sqlite":  # SQLite's goes with its column's rebuild
            batch_op.drop_constraint(batch_op.f("fk_receiving_account_requested_by_id_user"), type_="foreignkey")
        batch_op.drop_column("requested_at")
        batch_op.drop_column("requested_by_id")
        batch_op.drop_column("pending_change")
        batch_op.drop_column("status")
    with op.batch_alter_table("vendor", schema=None) as batch_op:
        batch_op.drop_column("legal_name")
