"""One cash survey row per (market, stall, day) and per (market, day): two concurrent imports of
the same day once each wrote a row, counting that day's cash twice

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-02 03:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SURVEY_OF_A_STALL = "source = 'survey' AND vendor_id IS NOT NULL"
SURVEY_OF_A_MARKET = "source = 'survey' AND vendor_id IS NULL"


def upgrade():
    # Rows a race left: an import replaces the day's survey, so of several rows for one (market,
    # stall, day) the last written (the highest id) is the one a serial run would have kept.
    # GROUP BY puts the NULL stalls (whole-market counts) of a market and day together. The
    # delete trigger marks the stalls' rollups for refreshing, as for any other delete.
    op.execute(
        "DELETE FROM cash_sale WHERE source = 'survey' AND id NOT IN ("
        " SELECT max(id) FROM cash_sale WHERE source = 'survey' GROUP BY market_id, vendor_id, occurred_at)"
    )
    # Indexes only: no table rebuild on SQLite, so cash_sale's rollup triggers stay.
    op.create_index(
        "ux_cash_sale_survey_stall_day",
        "cash_sale",
        ["market_id", "vendor_id", "occurred_at"],
        unique=True,
        postgresql_where=sa.text(SURVEY_OF_A_STALL),
        sqlite_where=sa.text(SURVEY_OF_A_STALL),
    )
    op.create_index(
        "ux_cash_sale_survey_market_day",
        "cash_sale",
        ["market_id", "occurred_at"],
        unique=True,
        postgresql_where=sa.text(SURVEY_OF_A_MARKET),
        sqlite_where=sa.text(SURVEY_OF_A_MARKET),
    )


def downgrade():
    # The duplicates removed on the way up are not brought back.
    op.drop_index("ux_cash_sale_survey_market_day", table_name="cash_sale")
    op.drop_index("ux_cash_sale_survey_stall_day", table_name="cash_sale")
