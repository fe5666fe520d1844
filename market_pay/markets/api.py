"""Market endpoints: create, list (scoped), get, update."""

from flask import Blueprint, g

from ..auth.guard import login_required
from ..common.request_input import load_json, load_query
from ..extensions import db
from . import services
from .schemas import MarketCreateSchema, MarketListQuerySchema, MarketSchema, MarketUpdateSchema

bp = Blueprint("markets", __name__, url_prefix="/api/v1/markets")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
MARKET_CREATE = MarketCreateSchema()
MARKET = MarketSchema()
MARKET_LIST_QUERY = MarketListQuerySchema()
MARKETS = MarketSchema(many=True)
MARKET_UPDATE = MarketUpdateSchema()


@bp.post("")
@login_required
def create_market():
    market = services.create_market(g.actor, load_json(MARKET_CREATE))
    db.session.commit()
    return MARKET.dump(market), 201


@bp.get("")
@login_required
def list_markets():
    query = load_query(MARKET_LIST_QUERY)
    items, next_cursor = services.list_markets(g.actor, query["region_code"], query["limit"], query["cursor"])
    return {"items": MARKETS.dump(items), "next": next_cursor}


@bp.get("/<code>")
@login_required
def get_market(code):
    return MARKET.dump(services.get_market(g.actor, code))


@bp.patch("/<code>")
@login_required
def update_market(code):
    market = services.update_market(g.actor, code, load_json(MARKET_UPDATE))
    db.session.commit()
    return MARKET.dump(market)
