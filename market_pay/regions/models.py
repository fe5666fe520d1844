"""Region: one node of an arbitrary tree, with a materialised path for fast subtree queries."""

from datetime import date, datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db

# Kinds the programme uses; any other grouping kind is allowed as well.
KNOWN_KINDS = ("province", "former_district", "commune", "ward", "special_zone")
# A market sits in a current commune, ward or special zone (đặc khu: an island, a commune-level
# unit since 2025), never in a grouping node.
MARKET_REGION_KINDS = ("commune", "ward", "special_zone")


class Region(Model):
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    code: Mapped[str] = mapped_column(db.String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(db.String(200), nullable=False)
    kind: Mapped[str] = mapped_column(db.String(40), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("region.id"), index=True)
    # "/08/024/00691/": every ancestor's code. A subtree is one indexed prefix match, which is
    # what scoping (region staff) and report roll-ups (by commune, by former district) need.
    path: Mapped[str] = mapped_column(db.String(1000), nullable=False, index=True)
    valid_from: Mapped[date | None] = mapped_column(db.Date)
    valid_to: Mapped[date | None] = mapped_column(db.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    parent: Mapped["Region | None"] = relationship("Region", remote_side=[id])

    @property
    def parent_code(self):
        return self.parent.code if self.parent else None

    def __repr__(self):
        return f"<Region {self.code} {self.name}>"
