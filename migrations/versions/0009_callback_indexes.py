"""Slimmer indexes on the callback path: partial where the column is mostly empty, none where no
lookup uses it, so recording a callback writes 7 index entries instead of 15

Revision ID: 0009_callback_indexes
Revises: 0008_market_day_totals
Create Date: 2026-12-01 08:41:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_callback_indexes"
down_revision = "0008_market_day_totals"
branch_labels = None
depends_on = None


def _partial(condition):
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def upgrade():
    # Index operations only (no table rebuild on SQLite, so the rollup triggers stay in place).
    with op.batch_alter_table("bank_transaction", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_transaction_payment_request_id")
        batch_op.drop_index("ix_bank_transaction_receiving_account_id")
        batch_op.drop_index("ix_bank_transaction_reconciliation_run_id")
        batch_op.drop_index("ix_bank_transaction_reverses_txn_id")
        batch_op.drop_index("ix_bank_transaction_vendor_booked")
        batch_op.create_index(
            "ix_bank_transaction_request", ["payment_request_id"], **_partial("payment_request_id IS NOT NULL")
        )
        batch_op.create_index(
            "ix_bank_transaction_reverses", ["reverses_txn_id"], **_partial("reverses_txn_id IS NOT NULL")
        )
        batch_op.create_index(
            "ix_bank_transaction_run", ["reconciliation_run_id"], **_partial("reconciliation_run_id IS NOT NULL")
        )
        batch_op.create_index(
            "ix_bank_transaction_vendor_booked", ["vendor_id", "booked_at"], **_partial("vendor_id IS NOT NULL")
        )

    with op.batch_alter_table("inbox_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_entry_body_sha256")
        batch_op.drop_index("ix_inbox_entry_received_at")
        batch_op.drop_index("ix_inbox_entry_transaction_id")
        batch_op.create_index("ix_inbox_entry_duplicate_of", ["transaction_id"], **_partial("outcome = 'duplicate'"))
        batch_op.create_index(
            "ix_inbox_entry_malformed", ["partner", "body_sha256"], **_partial("outcome = 'malformed'")
        )


def downgrade():
    with op.batch_alter_table("inbox_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_entry_malformed")
        batch_op.drop_index("ix_inbox_entry_duplicate_of")
        batch_op.create_index("ix_inbox_entry_transaction_id", ["transaction_id"])
        batch_op.create_index("ix_inbox_entry_received_at", ["received_at"])
        batch_op.create_index("ix_inbox_entry_body_sha256", ["body_sha256"])

    with op.batch_alter_table("bank_transaction", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_transaction_vendor_booked")
        batch_op.drop_index("ix_bank_transaction_run")
        batch_op.drop_index("ix_bank_transaction_reverses")
        batch_op.drop_index("ix_bank_transaction_request")
        batch_op.create_index("ix_bank_transaction_vendor_booked", ["vendor_id", "booked_at"])
        batch_op.create_index("ix_bank_transaction_reverses_txn_id", ["reverses_txn_id"])
        batch_op.create_index("ix_bank_transaction_reconciliation_run_id", ["reconciliation_run_id"])
        batch_op.create_index("ix_bank_transaction_receiving_account_id", ["receiving_account_id"])
        batch_op.create_index("ix_bank_transaction_payment_request_id", ["payment_request_id"])
