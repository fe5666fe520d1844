"""The suspense queue: list (scoped) and resolve (assign, refund, dismiss), audit-logged."""

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..audit.services import record_change
from ..auth.roles import STALL_ROLES
from ..auth.scopes import require_admin, require_market_manage, visible_markets_condition
from ..common.paging import paginate
from ..common.types import utcnow
from ..common.upsert import rowcount
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..markets.models import Market
from ..markets.services import find_market
from ..vendors.services import find_vendor
from .allocation import apply_to_request, credit_stall
from .models import BankTransaction, PaymentRequest, SuspenseItem

ACTIONS = ("assign_stall", "assign_request", "refund", "dismiss")


def list_suspense(actor, status="open", market_code=None, reason=None, limit=None, cursor=None):
    """Admins see everything (including money for unknown accounts); managers and region staff
    the items of the markets in their scope; stalls nothing."""
    if actor.role in STALL_ROLES:
        raise Forbidden("The suspense queue is for market staff.")
    # Each item's transaction comes with the page (the answer shows it): not one statement per item.
    query = select(SuspenseItem).options(joinedload(SuspenseItem.transaction))
    if actor.role != "admin":
        query = query.join(Market, Market.id == SuspenseItem.market_id).where(visible_markets_condition(actor))
    if market_code:
        query = query.where(SuspenseItem.market_id == find_market(market_code).id)
    if status:
        query = query.where(SuspenseItem.status == status)
    if reason:
        query = query.where(SuspenseItem.reason == reason)
    return paginate(query, SuspenseItem.id, limit, cursor)


def _item_for_resolution(actor, item_id: int) -> SuspenseItem:
    item = db.session.get(SuspenseItem, item_id)
    if item is None:
        raise NotFound(f"No suspense item {item_id}.")
    if item.market_id is None:
        require_admin(actor)
    else:
        require_market_manage(actor, db.session.get(Market, item.market_id))
    if item.status != "open":
        raise Conflict("This item is already resolved.")
    return item


def resolve_suspense(actor, item_id: int, data: dict) -> SuspenseItem:
    item = _item_for_resolution(actor, item_id)
    action, note = data["action"], data.get("note", "")
    txn = item.transaction
    if action in ("assign_stall", "assign_request"):
        if txn is None or txn.direction != "in" or txn.reversed:
            raise ValidationFailed(errors={"action": ["Only an unreversed incoming credit can be assigned."]})
        if action == "assign_request":
            request = db.session.scalar(
                select(PaymentRequest).where(PaymentRequest.reference == (data.get("reference") or "").upper())
            )
            if request is None:
                raise ValidationFailed(errors={"reference": ["No such payment request."]})
            vendor = request.vendor
        else:
            if not data.get("vendor_id"):
                raise ValidationFailed(errors={"vendor_id": ["Name the stall to assign to."]})
            vendor, request = find_vendor(data["vendor_id"]), None
        require_market_manage(actor, vendor.market)
        if item.market_id is not None and vendor.market_id != item.market_id:
            # Money that reached a stall account of one market never pays another market's stall.
            raise ValidationFailed(
                errors={
                    "reference" if request else "vendor_id": [
                        "This money arrived at another market: assign it to a stall of that market."
                    ]
                }
            )
        _claim(item, actor, note)
        _assign(txn, vendor, request)
        item.resolved_vendor_id, item.resolved_request_id = vendor.id, request.id if request else None
        item.resolution = "assigned"
    else:
        if not note:
            raise ValidationFailed(errors={"note": ["Say why (it goes in the audit log)."]})
        _claim(item, actor, note)
        item.resolution = "refund" if action == "refund" else "dismissed"
    record_change(
        actor,
        f"suspense.{action}",
        "suspense_item",
        item.id,
        {
            "reason": item.reason,
            "transaction_id": txn.id if txn else None,
            "amount": txn.amount if txn else None,
            "vendor_id": item.resolved_vendor_id,
            "request_id": item.resolved_request_id,
            "note": note,
        },
    )
    return item


def _claim(item: SuspenseItem, actor, note: str):
    """Take the item out of the queue, or raise Conflict when a concurrent resolution already did.

    One conditional UPDATE (open → resolved) decides between concurrent resolutions: on
    PostgreSQL the second waits on the first's row lock and, once that commits, finds the row no
    longer open (0 rows); on SQLite every transaction is BEGIN IMMEDIATE, so they run one after
    the other and the second finds it resolved. Only the winner goes on to move any money.
    """
    resolved_at = utcnow()
    claimed = rowcount(
        db.session.execute(
            update(SuspenseItem)
            .where(SuspenseItem.id == item.id, SuspenseItem.status == "open")
            .values(status="resolved", note=note, resolved_by_user_id=actor.id, resolved_at=resolved_at)
            .execution_options(synchronize_session=False)
        )
    )
    if claimed != 1:
        raise Conflict("This item is already resolved.")
    item.status, item.note, item.resolved_by_user_id, item.resolved_at = "resolved", note, actor.id, resolved_at


def _assign(txn: BankTransaction, vendor, request):
    """Credit the money to the stall (and the request) as a matched callback would have."""
    if request is not None:
        apply_to_request(txn, request)
    else:
        txn.match_kind = "static"
    credit_stall(txn, vendor)
