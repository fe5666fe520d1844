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

    __table_args__ = (db.Index("ix_audit_log_entity", "entity_type", "entity_id"),)
