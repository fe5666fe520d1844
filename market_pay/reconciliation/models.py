"""A reconciliation run, the markets it touched, and each break it found."""

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db

# Every statement line and every callback of the period lands in exactly one class (CALLBACKS.md).
# other_account: the line's id (or money key) belongs to another account's transaction — a break
# that changes nothing (issue 17, finding 1).
CLASSES = (
    "matched",
    "missing_callback",
    "not_on_statement",
    "field_disagreement",
    "duplicate",
    "reversal",
    "day_cutoff",
    "broken_chain",
    "other_account",
    "ambiguous",
)
# ambiguous: a line without the partner's id that more than one callback could be (issue 24): a
# break, never a guess; those callbacks stay as they were.
# Breaks: the classes that need a person's eye, plus money that is on the statement but sits in
# suspense (explained, but not on a stall).
BREAK_KINDS = (
    "missing_callback",
    "not_on_statement",
    "field_disagreement",
    "duplicate",
    "broken_chain",
    "in_suspense",
    "other_account",
    "ambiguous",
    "payos_check",
)
# payos_check: a payOS request the day-end check could not settle (unknown to payOS, an answer
# refused, not asked within the bound or the time budget, recovered money not on its request).


class ReconciliationRun(Model):
    """One statement file reconciled. The same file (by SHA-256) is never reconciled twice."""

    __table_args__ = (db.UniqueConstraint("partner", "file_sha256"),)

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(db.String(20), nullable=False)
    statement_date: Mapped[date] = mapped_column(db.Date, nullable=False, index=True)
    file_name: Mapped[str] = mapped_column(db.String(200), nullable=False, default="")
    file_sha256: Mapped[str] = mapped_column(db.String(64), nullable=False)
    line_count: Mapped[int] = mapped_column(db.Integer, nullable=False)
    account_count: Mapped[int] = mapped_column(db.Integer, nullable=False)
    # {class: {"lines": n, "callbacks": n, "amount_in": đồng, "amount_out": đồng}}
    totals: Mapped[Any] = mapped_column(db.JSON, nullable=False)
    break_count: Mapped[int] = mapped_column(db.Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("user.id"))
    actor_label: Mapped[str] = mapped_column(db.String(100), nullable=False)
    duration_ms: Mapped[int] = mapped_column(db.Integer, nullable=False, default=0)

    markets: Mapped[list["ReconciliationRunMarket"]] = relationship(
        "ReconciliationRunMarket", cascade="all, delete-orphan"
    )


class ReconciliationRunMarket(Model):
    """A market whose accounts the statement covered: who may see the run follows from these."""

    run_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("reconciliation_run.id"), primary_key=True)
    market_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("market.id"), primary_key=True, index=True)


class ReconciliationBreak(Model):
    """A difference between the statement and the callbacks, with its reason (never silent)."""

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("reconciliation_run.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(db.String(20), nullable=False)
    # The statement's row number (1 = header) when the break is about a line.
    row_number: Mapped[int | None] = mapped_column(db.Integer)
    bin: Mapped[str | None] = mapped_column(db.String(6))
    account_number: Mapped[str] = mapped_column(db.String(19), nullable=False)
    bank_txn_id: Mapped[str | None] = mapped_column(db.String(200))
    bank_reference: Mapped[str | None] = mapped_column(db.String(100))
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    direction: Mapped[str | None] = mapped_column(db.String(3))
    amount: Mapped[int | None] = mapped_column(db.BigInteger)
    transaction_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("bank_transaction.id"), index=True)
    # The message's parameters; the words come from messages.py in the reader's language.
    detail: Mapped[Any] = mapped_column(db.JSON, nullable=False)
