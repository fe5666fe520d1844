"""Who may see and change what. Services call these; routes never decide access on their own.

Roles: admin (everything), region_staff (read-only registry and reports for a region subtree),
market_manager (one market: register and edit vendors, print kits, resolve its unmatched money),
vendor and vendor_assistant (their own stall).
"""

from sqlalchemy import select, true

from ..errors import Forbidden
from ..markets.models import Market
from ..regions.models import Region
from .models import STALL_ROLES


def require_admin(actor):
    if actor.role != "admin":
        raise Forbidden("Only an administrator may do this.")


def region_subtree_ids(region):
    """A subquery of the ids of `region` and everything below it."""
    return select(Region.id).where(Region.path.startswith(region.path, autoescape=True))


def visible_markets_condition(actor):
    """A WHERE condition on Market limiting it to what `actor` may see."""
    if actor.role == "admin":
        return true()
    if actor.role == "region_staff":
        return Market.region_id.in_(region_subtree_ids(actor.region))
    if actor.role == "market_manager":
        return Market.id == actor.market_id
    if actor.role in STALL_ROLES:
        return Market.id == actor.vendor.market_id
    return Market.id.is_(None)


def can_read_market(actor, market) -> bool:
    if actor.role == "admin":
        return True
    if actor.role == "region_staff":
        return market.region.path.startswith(actor.region.path)
    if actor.role == "market_manager":
        return actor.market_id == market.id
    if actor.role in STALL_ROLES:
        return actor.vendor.market_id == market.id
    return False


def require_market_read(actor, market):
    if not can_read_market(actor, market):
        raise Forbidden("This market is outside your scope.")


def require_market_manage(actor, market):
    """Register and edit vendors, print kits: admin or this market's manager."""
    if actor.role == "admin" or (actor.role == "market_manager" and actor.market_id == market.id):
        return
    raise Forbidden("Only this market's manager or an administrator may do this.")


def require_vendor_read(actor, vendor):
    if actor.role in STALL_ROLES:
        if actor.vendor_id != vendor.id:
            raise Forbidden("You can only see your own stall.")
        return
    require_market_read(actor, vendor.market)


def require_region_read(actor, region):
    if actor.role == "region_staff" and not region.path.startswith(actor.region.path):
        raise Forbidden("This region is outside your scope.")


def visible_regions_condition(actor):
    """Admin: the whole tree. Region staff: their subtree. Others: the chain above their market."""
    if actor.role == "admin":
        return true()
    if actor.role == "region_staff":
        return Region.path.startswith(actor.region.path, autoescape=True)
    market = actor.market if actor.role == "market_manager" else actor.vendor.market
    ancestor_codes = [code for code in market.region.path.split("/") if code]
    return Region.code.in_(ancestor_codes)
