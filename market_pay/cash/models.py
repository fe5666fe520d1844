"""A cash sale (or a day's surveyed cash) of a stall or a market."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db

CASH_SOURCES = ("stall", "survey")
SURVEY_OF_A_STALL = "source = 'survey' AND vendor_id IS NOT NULL"
SURVEY_OF_A_MARKET = "source = 'survey' AND vendor_id IS NULL"


class CashSale(Model):
    """`count` sales worth `amount` đồng in all, at `occurred_at`.

    Recorded at the stall (source "stall", count usually 1) or imported from a market survey
    (source "survey"; vendor_id empty when the survey counted the market as a whole).
    """

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    market_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("market.id"), nullable=False, index=True)
    vendor_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("vendor.id"))
    amount: Mapped[int] = mapped_column(db.BigInteger, nullable=False)
    count: Mapped[int] = mapped_column(db.Integer, nullable=False, default=1)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    source: Mapped[str] = mapped_column(db.String(10), nullable=False, default="stall")
    recorded_by_user_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The client's key for one sale (the stall board's offline queue resends with the same key), so
    # a sale sent twice over a weak signal is recorded once. Unique per stall.
    idempotency_key: Mapped[str | None] = mapped_column(db.String(100))

    __table_args__ = (
        # A unique index (not a constraint): adding it needs no table rebuild on SQLite, which
        # would drop the rollup triggers on this table.
        db.Index("ix_cash_sale_vendor_idempotency", "vendor_id", "idempotency_key", unique=True),
        db.Index("ix_cash_sale_vendor_occurred", "vendor_id", "occurred_at"),
        # One survey row per (market, stall, day) and per (market, day) for a whole-market count:
        # an import replaces the day's row, and two rows would count that day's cash twice. A
        # survey row is always written at the local noon of its day (cash/survey_import.py), so
        # occurred_at stands for the day. Two partial indexes because NULL stalls never collide.
        db.Index(
            "ux_cash_sale_survey_stall_day",
            "market_id",
            "vendor_id",
            "occurred_at",
            unique=True,
            postgresql_where=db.text(SURVEY_OF_A_STALL),
            sqlite_where=db.text(SURVEY_OF_A_STALL),
        ),
        db.Index(
            "ux_cash_sale_survey_market_day",
            "market_id",
            "occurred_at",
            unique=True,
            postgresql_where=db.text(SURVEY_OF_A_MARKET),
            sqlite_where=db.text(SURVEY_OF_A_MARKET),
        ),
        # Market-wide survey counts, which the adoption report reads directly (no stall rollup).
        db.Index(
            "ix_cash_sale_market_survey",
            "market_id",
            "occurred_at",
            postgresql_where=db.text("vendor_id IS NULL"),
            sqlite_where=db.text("vendor_id IS NULL"),
        ),
    )
