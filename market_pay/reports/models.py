"""Rollups of the figures the adoption report needs: per stall and day, per stall and month, and
per market and day.

They are derived data: rebuilt from bank_transaction and cash_sale by reports/rollups.py, which
recomputes every (stall, day) that a database trigger marked as touched (see reports/triggers.py).
"""

from datetime import date, datetime

from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import Model, db


class _StallTotals:
    """The additive figures of one stall over one day or one month."""

    vendor_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("vendor.id"), primary_key=True)
    # Denormalised from the stall so a report reads one range of one index per market.
    market_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("market.id"), nullable=False)
    # Credits allocated to the stall (a request or a static-QR sale), not reversed.
    cashless_count: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    cashless_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    # Of that value, what a bank statement has confirmed (or recovered); the rest is provisional.
    confirmed_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    # Of the confirmed value, what only a statement had (no bank callback): shown apart, for review.
    recovered_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0, server_default="0")
    # Every figure is BigInteger: cash entries carry counts (up to 1,000 a sale, 1,000,000 a survey
    # row), and each line of money is at most common/money.MAX_LINE_AMOUNT, so no sum of what the
    # service accepts can overflow (issue 17, finding 3).
    cash_count: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    cash_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)


class StallDayTotal(_StallTotals, Model):
    __tablename__ = "stall_day_total"
    __table_args__ = (db.Index("ix_stall_day_total_market_day", "market_id", "day"),)

    day: Mapped[date] = mapped_column(db.Date, primary_key=True)  # Asia/Ho_Chi_Minh calendar day


class StallMonthTotal(_StallTotals, Model):
    __tablename__ = "stall_month_total"
    __table_args__ = (db.Index("ix_stall_month_total_market_month", "market_id", "month"),)

    month: Mapped[date] = mapped_column(db.Date, primary_key=True)  # the first day of the month


class MarketDayTotal(Model):
    """The sum of a market's stall-day rows: the dashboard's trend reads a year of a province as
    60 × 365 rows instead of 2,500 × 365."""

    __tablename__ = "market_day_total"

    market_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("market.id"), primary_key=True)
    day: Mapped[date] = mapped_column(db.Date, primary_key=True)
    cashless_count: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    cashless_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    confirmed_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    recovered_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0, server_default="0")
    cash_count: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)
    cash_value: Mapped[int] = mapped_column(db.BigInteger, nullable=False, default=0)


class RollupDirty(Model):
    """A stall whose figures changed at `at` (a UTC instant); its day awaits recomputation.

    Written only by triggers, in the transaction that made the change, so a change and its marker
    commit together: a refresh that cannot see the change cannot see (or delete) its marker either.
    """

    __tablename__ = "rollup_dirty"

    id: Mapped[int] = mapped_column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(db.Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
