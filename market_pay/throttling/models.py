"""RateCounter: requests per key per fixed time window."""
from ..extensions import db


class RateCounter(db.Model):
    key = db.Column(db.String(200), primary_key=True)
    # Window number: unix time // window length. Old windows are swept now and then.
    window_index = db.Column(db.BigInteger, primary_key=True)
    count = db.Column(db.Integer, nullable=False, default=0)
