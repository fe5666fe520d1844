"""The audit log says whose change each row is (market, stall), so the people responsible can read it

Existing rows are given their market and stall where the entity tells (a stall, an account, a
payment request, a cash sale, a suspense item, a user with a market or stall scope, a market, a
reconciliation run over one market); the rest stay null (administrators read them).

Revision ID: 0013
Revises: (previous file in the chain)
Create Date: 2026-12-01 20:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012_vendor_confirmed_accounts"
branch_labels = None
depends_on = None

# entity_type → (table, its vendor column or None, its market column or None)
_OWNERS = {
    "vendor": ("vendor", "id", "market_id"),
    "receiving_account": ("receiving_account", "vendor_id", None),
    "payment_request": ("payment_request", "vendor_id", None),
    "cash_sale": ("cash_sale", "vendor_id", "market_id"),
    "suspense_item": ("suspense_item", "resolved_vendor_id", "market_id"),
    "user": ('"user"', "vendor_id", "market_id"),
}


def upgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("market_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("vendor_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_audit_log_market", ["market_id", "id"], unique=False)
        batch_op.create_index("ix_audit_log_vendor", ["vendor_id", "id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_audit_log_market_id_market"), "market", ["market_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_audit_log_vendor_id_vendor"), "vendor", ["vendor_id"], ["id"])
    _backfill()


def _backfill():
    bind = op.get_bind()
    # The entity id as a number, only where it is one (a survey import is logged as "survey").
    if bind.dialect.name == "postgresql":
        key = "(CASE WHEN audit_log.entity_id ~ '^[0-9]{1,9}$' THEN CAST(audit_log.entity_id AS INTEGER) END)"
    else:
        key = "CAST(audit_log.entity_id AS INTEGER)"
    for entity_type, (table, vendor_column, market_column) in _OWNERS.items():
        sets = [f"vendor_id = (SELECT t.{vendor_column} FROM {table} AS t WHERE t.id = {key})"]
        if market_column:
            sets.append(f"market_id = (SELECT t.{market_column} FROM {table} AS t WHERE t.id = {key})")
        bind.execute(
            sa.text(f"UPDATE audit_log SET {', '.join(sets)} WHERE entity_type = :kind"), {"kind": entity_type}
        )
    bind.execute(
        sa.text(
            "UPDATE audit_log SET market_id = (SELECT m.id FROM market AS m WHERE m.code = "
            "audit_log.entity_id) WHERE entity_type = 'market'"
        )
    )
    bind.execute(
        sa.text(
            f"UPDATE audit_log SET market_id = (SELECT min(l.market_id) FROM reconciliation_run_market AS l "
            f"WHERE l.run_id = {key} HAVING count(*) = 1) WHERE entity_type = 'reconciliation_run'"
        )
    )
    # A stall's market, where only the stall was told.
    bind.execute(
        sa.text(
            "UPDATE audit_log SET market_id = (SELECT v.market_id FROM vendor AS v "
            "WHERE v.id = audit_log.vendor_id) WHERE market_id IS NULL AND vendor_id IS NOT NULL"
        )
    )


def downgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_log_vendor_id_vendor"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_audit_log_market_id_market"), type_="foreignkey")
        batch_op.drop_index("ix_audit_log_vendor")
        batch_op.drop_index("ix_audit_log_market")
        batch_op.drop_column("vendor_id")
        batch_op.drop_column("market_id")
