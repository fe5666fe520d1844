"""A day pulled from an aggregator: at most one per (partner, day), pointing at the run it made."""

from datetime import date, datetime

from sqlalchemy.orm import Mapped, mapped_column

from ...common.types import UTCDateTime, utcnow
from ...extensions import Model, db


class StatementPull(Model):
    """The unique (partner, statement_date) is what makes a day never go into two runs, whatever
    number of commands or processes pull it at once: the second one's insert fails and it reports
    the first one's run."""

    __table_args__ = (db.UniqueConstraint("partner", "statement_date"),)

    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(db.String(20), nullable=False)
    statement_date: Mapped[date] = mapped_column(db.Date, nullable=False)
    run_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("reconciliation_run.id"), nullable=False)
    api: Mapped[str] = mapped_column(db.String(10), nullable=False)  # "v2" | "legacy" (SePay), "v2" (Casso)
    records: Mapped[int] = mapped_column(db.Integer, nullable=False)
    requests: Mapped[int] = mapped_column(db.Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    actor_label: Mapped[str] = mapped_column(db.String(100), nullable=False)
