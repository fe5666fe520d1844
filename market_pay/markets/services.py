"""Register, list (scoped), read and edit markets."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.services import record_change
from ..auth.scopes import (
    region_subtree_ids,
    require_admin,
    require_market_manage,
    require_market_read,
    visible_markets_condition,
)
from ..common.paging import paginate
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..regions.models import MARKET_REGION_KINDS, Region
from .models import Market


def find_market(code: str) -> Market:
    market = db.session.scalar(select(Market).where(Market.code == code))
    if market is None:
        raise NotFound(f"No market with code {code}.")
    return market


def _market_region(code: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise ValidationFailed(errors={"region_code": [f"No region with code {code}."]})
    if region.kind not in MARKET_REGION_KINDS:
        raise ValidationFailed(
            errors={"region_code": [f"A market belongs to a commune, ward or special zone; {code} is a {region.kind}."]}
        )
    return region


def create_market(actor, data: dict) -> Market:
    """Admin only (or the operator's CLI when `actor` is None)."""
    if actor is not None:
        require_admin(actor)
    if db.session.scalar(select(Market.id).where(Market.code == data["code"])) is not None:
        raise Conflict(errors={"code": [f"Market {data['code']} exists already."]})
    market = Market(
        code=data["code"],
        name=data["name"],
        address=data.get("address", ""),
        region=_market_region(data["region_code"]),
    )
    db.session.add(market)
    db.session.flush()
    record_change(
        actor, "market.create", "market", market.code, {"name": market.name, "region_code": market.region_code}
    )
    return market


def list_markets(actor, region_code=None, limit=None, cursor=None):
    # Each market's region comes with the page (its code is in the answer): one statement, not one per region.
    query = select(Market).options(joinedload(Market.region)).where(visible_markets_condition(actor))
    if region_code:
        region = db.session.scalar(select(Region).where(Region.code == region_code))
        if region is None:
            raise ValidationFailed(errors={"region_code": [f"No region with code {region_code}."]})
        query = query.where(Market.region_id.in_(region_subtree_ids(region)))
    return paginate(query, Market.id, limit, cursor)


def get_market(actor, code: str) -> Market:
    market = find_market(code)
    require_market_read(actor, market)
    return market


def update_market(actor, code: str, changes: dict) -> Market:
    """The market's manager may rename it or change its address; moving it needs an admin."""
    market = find_market(code)
    require_market_manage(actor, market)
    if "region_code" in changes:
        require_admin(actor)
        market.region = _market_region(changes.pop("region_code"))
    for field, value in changes.items():
        setattr(market, field, value)
    db.session.flush()
    record_change(actor, "market.update", "market", market.code, {**changes, "region_code": market.region_code})
    return market


def regions_with_markets() -> set[str]:
    """The codes of every region that holds a market, itself or anywhere below it."""
    paths = db.session.scalars(select(Region.path).join(Market, Market.region_id == Region.id).distinct())
    return {code for path in paths for code in path.split("/") if code}
