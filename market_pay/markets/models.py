"""Market: a chợ with a code, a name and the commune or ward it stands in."""
from ..common.types import UTCDateTime, utcnow
from ..extensions import db


class Market(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    region_id = db.Column(db.Integer, db.ForeignKey("region.id"), nullable=False, index=True)
    address = db.Column(db.String(300), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    region = db.relationship("Region")

    @property
    def region_code(self):
        return self.region.code

    def __repr__(self):
        return f"<Market {self.code}>"
