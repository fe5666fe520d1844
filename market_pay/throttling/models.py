"""RateCounter: requests per key per fixed time window. AttemptCounter: attempts per key in a
window that opens at the first attempt (sign-in throttling)."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime
from ..extensions import Model, db


class RateCounter(Model):
    key: Mapped[str] = mapped_column(db.String(200), primary_key=True)
    # Window number: unix time // window length. Old windows are swept now and then.
    window_index: Mapped[int] = mapped_column(db.BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(db.Integer, nullable=False, default=0)


class AttemptCounter(Model):
    """One row per key: how many attempts since `started_at`. A lockout lasts one window from the
    first counted attempt (not from a clock boundary), and one atomic upsert both counts and reads."""

    key: Mapped[str] = mapped_column(db.String(200), primary_key=True)
    count: Mapped[int] = mapped_column(db.Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
