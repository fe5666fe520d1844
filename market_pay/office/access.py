"""Who is using the office and on which market: the staff page session (shared with /reports),
the market in the address (404 unknown, 403 outside the actor's scope, exactly as the API) and
a stall of that market (404 when it is another market's)."""

from flask import session

from ..auth.models import STALL_ROLES
from ..auth.page_sign_in import STAFF_SESSION
from ..auth.scopes import require_market_read
from ..auth.services import user_for_page_session
from ..errors import NotFound
from ..markets.services import find_market
from ..vendors.services import find_vendor


def office_actor():
    """The signed-in staff user (admin, region staff, market manager), else None."""
    user = user_for_page_session(session.get(STAFF_SESSION))
    return user if user is not None and user.role not in STALL_ROLES else None


def market_for(actor, code: str):
    market = find_market(code)
    require_market_read(actor, market)
    return market


def stall_of(market, vendor_id: int):
    vendor = find_vendor(vendor_id)
    if vendor.market_id != market.id:
        raise NotFound(f"No stall {vendor_id} in market {market.code}.")
    return vendor


def may_manage(actor, market) -> bool:
    """Whether to offer the forms that change things (the services decide again on every POST)."""
    return actor.role == "admin" or (actor.role == "market_manager" and actor.market_id == market.id)
