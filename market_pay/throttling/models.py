"""RateCounter: requests per key per fixed time window. AttemptCounter: attempts per key in a
window that opens at the first attempt (sign-in throttling)."""
from ..common.types import UTCDateTime
from ..extensions import db


class RateCounter(db.Model):
    key = db.Column(db.String(200), primary_key=True)
    # Window number: unix time // window length. Old windows are swept now and then.
    window_index = db.Column(db.BigInteger, primary_key=True)
    count = db.Column(db.Integer, nullable=False, default=0)


class AttemptCounter(db.Model):
    """One row per key: how many attempts since `started_at`. A lockout lasts one window from the
    first counted attempt (not from a clock boundary), and one atomic upsert both counts and reads."""

    key = db.Column(db.String(200), primary_key=True)
    count = db.Column(db.Integer, nullable=False)
    started_at = db.Column(UTCDateTime, nullable=False, index=True)
