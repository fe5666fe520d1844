"""record_change: append an audit row in the caller's transaction (so it commits or rolls back with it)."""
from ..extensions import db
from .models import AuditLog


def record_change(actor, action: str, entity_type: str, entity_id, details=None) -> AuditLog:
    """`actor` is a User, or None for the operator's command line."""
    entry = AuditLog(
        actor_user_id=actor.id if actor is not None else None,
        actor_label=actor.username if actor is not None else "cli",
        action=action, entity_type=entity_type, entity_id=str(entity_id), details=details or {})
    db.session.add(entry)
    return entry
