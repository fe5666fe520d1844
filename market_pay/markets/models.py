"""Market: a chợ with a code, a name and the commune or ward it stands in."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db

if TYPE_CHECKING:
    from ..regions.models import Region


class Market(Model):
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    code: Mapped[str] = mapped_column(db.String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(db.String(200), nullable=False)
    region_id: Mapped[int] = mapped_column(db.Integer, db.ForeignKey("region.id"), nullable=False, index=True)
    address: Mapped[str] = mapped_column(db.String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    region: Mapped["Region"] = relationship("Region")

    @property
    def region_code(self):
        return self.region.code

    def __repr__(self):
        return f"<Market {self.code}>"
