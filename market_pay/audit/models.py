"""AuditLog: one row per change to the registry, money or users."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from ..common.types import UTCDateTime, utcnow
from ..extensions import Model, db


class AuditLog(Model):
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    # Null for the operator's CLI and the system itself; `actor_label` says which.
    actor_user_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("user.id"), index=True)
    actor_label: Mapped[str] = mapped_column(db.String(120), nullable=False)
    action: Mapped[str] = mapped_column(db.String(60), nullable=False)
    entity_type: Mapped[str] = mapped_column(db.String(40), nullable=False)
    entity_id: Mapped[str] = mapped_column(db.String(60), nullable=False)
    details: Mapped[Any] = mapped_column(db.JSON, nullable=False, default=dict)
    # Whose change it is, for reading the log by scope (audit/reading.py): the market and stall the
    # changed thing belongs to, when it belongs to one. Null → only administrators read the row.
    market_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("market.id"))
    vendor_id: Mapped[int | None] = mapped_column(db.Integer, db.ForeignKey("vendor.id"))

    __table_args__ = (
        db.Index("ix_audit_log_entity", "entity_type", "entity_id"),
        # A market's or a stall's log, in id (cursor) order.
        db.Index("ix_audit_log_market", "market_id", "id"),
        db.Index("ix_audit_log_vendor", "vendor_id", "id"),
    )
