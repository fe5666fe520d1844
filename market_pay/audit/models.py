"""AuditLog: one row per change to the registry, money or users."""
from ..common.types import UTCDateTime, utcnow
from ..extensions import db


class AuditLog(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    # Null for the operator's CLI and the system itself; `actor_label` says which.
    actor_user_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    actor_label = db.Column(db.String(120), nullable=False)
    action = db.Column(db.String(60), nullable=False)
    entity_type = db.Column(db.String(40), nullable=False)
    entity_id = db.Column(db.String(60), nullable=False)
    details = db.Column(db.JSON, nullable=False, default=dict)
    # Whose change it is, for reading the log by scope (audit/reading.py): the market and stall the
    # changed thing belongs to, when it belongs to one. Null → only administrators read the row.
    market_id = db.Column(db.Integer, db.ForeignKey("market.id"))
    vendor_id = db.Column(db.Integer, db.ForeignKey("vendor.id"))

    __table_args__ = (db.Index("ix_audit_log_entity", "entity_type", "entity_id"),
                      # A market's or a stall's log, in id (cursor) order.
                      db.Index("ix_audit_log_market", "market_id", "id"),
                      db.Index("ix_audit_log_vendor", "vendor_id", "id"))
