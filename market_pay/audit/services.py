"""record_change: append an audit row in the caller's transaction (so it commits or rolls back with it)."""

from sqlalchemy import null, select

from ..extensions import db
from .models import AuditLog


def record_change(
    actor, action: str, entity_type: str, entity_id, details=None, *, market_id=None, vendor_id=None
) -> AuditLog:
    """`actor` is a User, or None for the operator's command line.

    `market_id` and `vendor_id` say whose change it is (who may read it); when not given they are
    derived from the entity (entity_owner), so callers only pass them when they know better.
    """
    if market_id is None and vendor_id is None:
        market_id, vendor_id = entity_owner(entity_type, entity_id)
    elif market_id is None:
        market_id, _ = entity_owner("vendor", vendor_id)
    entry = AuditLog(
        actor_user_id=actor.id if actor is not None else None,
        actor_label=actor.username if actor is not None else "cli",
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        details=details or {},
        market_id=market_id,
        vendor_id=vendor_id,
    )
    db.session.add(entry)
    return entry


def _table(name: str):
    # By name from the metadata: the audit log is written by every feature, so it imports none.
    return db.metadata.tables[name]


def _one(statement):
    row = db.session.execute(statement).first()
    return tuple(row) if row is not None else (None, None)


def entity_owner(entity_type: str, entity_id) -> tuple:
    """(market id, vendor id) of a changed entity, either None where it has none (a region, a
    partner's credentials, an administrator) or it cannot be told (a run over several markets)."""
    if entity_type == "market":  # markets are logged by code
        market = _table("market")
        return _one(select(market.c.id, null()).where(market.c.code == str(entity_id)))
    try:
        key = int(entity_id)
    except (TypeError, ValueError):
        return None, None  # e.g. a survey import's summary row
    vendor = _table("vendor")
    if entity_type == "vendor":
        return _one(select(vendor.c.market_id, vendor.c.id).where(vendor.c.id == key))
    if entity_type in ("receiving_account", "payment_request"):
        table = _table(entity_type)
        return _one(
            select(vendor.c.market_id, vendor.c.id)
            .join_from(table, vendor, vendor.c.id == table.c.vendor_id)
            .where(table.c.id == key)
        )
    if entity_type == "cash_sale":  # a survey's sales belong to a market, not to a stall
        sale = _table("cash_sale")
        return _one(select(sale.c.market_id, sale.c.vendor_id).where(sale.c.id == key))
    if entity_type == "suspense_item":
        item = _table("suspense_item")
        market_id, vendor_id = _one(select(item.c.market_id, item.c.resolved_vendor_id).where(item.c.id == key))
        if market_id is None and vendor_id is not None:  # money of an unknown account, given to a stall
            market_id, _ = entity_owner("vendor", vendor_id)
        return market_id, vendor_id
    if entity_type == "user":
        user = _table("user")
        market_id, vendor_id = _one(select(user.c.market_id, user.c.vendor_id).where(user.c.id == key))
        if vendor_id is not None:
            market_id, _ = entity_owner("vendor", vendor_id)
        return market_id, vendor_id
    if entity_type == "reconciliation_run":
        link = _table("reconciliation_run_market")
        markets = db.session.scalars(select(link.c.market_id).where(link.c.run_id == key).limit(2)).all()
        return (markets[0] if len(markets) == 1 else None), None
    return None, None
