"""Reading the audit log: the rows a user is responsible for, filtered and paged (GET /api/v1/audit-log,
`market-pay audit`)."""

from datetime import datetime, time, timedelta

from sqlalchemy import String, cast, false, or_, select

from ..auth.roles import Role
from ..auth.scopes import region_subtree_ids
from ..common.local_time import local_zone
from ..common.paging import paginate
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..markets.models import Market
from .models import AuditLog


def _run_markets():
    # By name, like audit/services.py: the log reads every feature and imports none of them.
    return db.metadata.tables["reconciliation_run_market"]


def _scope_condition(actor, markets_condition):
    """Admin all; region staff their area; a manager their market; a vendor their stall. A
    reconciliation run over several markets is read by whoever may read all of them, as the runs
    themselves are (reconciliation/services.py)."""
    if actor is None or actor.role == "admin":  # None: the operator's command line
        return None
    if actor.role == "vendor":
        return AuditLog.vendor_id == actor.vendor_id
    if actor.role not in (Role.REGION_STAFF, Role.MARKET_MANAGER):
        raise Forbidden("The audit log is for the stall's owner and the staff responsible for it.")
    link = _run_markets()
    touching = select(cast(link.c.run_id, String)).where(link.c.market_id.in_(markets_condition))
    beyond = select(cast(link.c.run_id, String)).where(link.c.market_id.not_in(markets_condition))
    # Only the run's own row ("reconcile") is read through the run; a stall's row of it
    # ("reconcile.stall") is read by that stall's market like any other stall's row.
    return or_(
        AuditLog.market_id.in_(markets_condition),
        (AuditLog.entity_type == "reconciliation_run")
        & (AuditLog.action == "reconcile")
        & AuditLog.entity_id.in_(touching)
        & AuditLog.entity_id.not_in(beyond),
    )


def _markets_in_scope(actor):
    """A subquery of the ids of the markets `actor` is responsible for."""
    if actor is not None and actor.role == "region_staff":
        return select(Market.id).where(Market.region_id.in_(region_subtree_ids(actor.region)))
    if actor is not None and actor.role == "market_manager":
        return select(Market.id).where(Market.id == actor.market_id)
    return select(Market.id).where(false())


def _local_day_start(day):
    zone = local_zone()
    return datetime.combine(day, time.min, tzinfo=zone)


def list_audit_log(
    actor,
    market_code=None,
    vendor_id=None,
    actor_name=None,
    action=None,
    first=None,
    last=None,
    limit=None,
    cursor=None,
    newest_first=False,
):
    """(rows, next cursor) of the audit rows `actor` may read, oldest first (newest first for a
    page a person opens to see what just happened).

    `first` and `last` are inclusive local (Asia/Ho_Chi_Minh) dates. A filter naming something
    outside the actor's scope finds nothing, as a filter naming nothing would.
    """
    query = select(AuditLog)
    condition = _scope_condition(actor, _markets_in_scope(actor))
    if condition is not None:
        query = query.where(condition)
    if market_code:
        query = query.where(AuditLog.market_id.in_(select(Market.id).where(Market.code == market_code)))
    if vendor_id is not None:
        query = query.where(AuditLog.vendor_id == vendor_id)
    if actor_name:
        query = query.where(AuditLog.actor_label == actor_name)
    if action:
        query = query.where(AuditLog.action == action)
    if first and last and first > last:
        raise ValidationFailed(errors={"from": ["Must not be after 'to'."]})
    if first:
        query = query.where(AuditLog.at >= _local_day_start(first))
    if last:
        query = query.where(AuditLog.at < _local_day_start(last + timedelta(days=1)))
    return paginate(query, AuditLog.id, limit, cursor, newest_first)


def market_codes(rows) -> dict:
    """{market id: code} for a page of rows, in one query."""
    ids = {row.market_id for row in rows if row.market_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Market.id, Market.code).where(Market.id.in_(ids))).all())


def as_items(rows) -> list[dict]:
    """The rows as the API and the command line show them."""
    codes = market_codes(rows)
    return [
        {
            "id": row.id,
            "at": row.at,
            "actor": row.actor_label,
            "action": row.action,
            "market_code": codes.get(row.market_id),
            "vendor_id": row.vendor_id,
            "entity": f"{row.entity_type}:{row.entity_id}",
            "detail": row.details,
        }
        for row in rows
    ]
