"""Region endpoints: list (flat by parent, or as a tree) and create."""

from flask import Blueprint, g

from ..auth.guard import login_required
from ..common.request_input import load_json, load_query
from ..extensions import db
from . import services
from .schemas import RegionCreateSchema, RegionListQuerySchema, RegionSchema, RegionTreeSchema

bp = Blueprint("regions", __name__, url_prefix="/api/v1/regions")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
REGION_LIST_QUERY = RegionListQuerySchema()
REGION_TREES = RegionTreeSchema(many=True)
REGIONS = RegionSchema(many=True)
REGION_CREATE = RegionCreateSchema()
REGION = RegionSchema()


@bp.get("")
@login_required
def list_regions():
    query = load_query(REGION_LIST_QUERY)
    if query["tree"]:
        return {"items": REGION_TREES.dump(services.region_tree(g.actor)), "next": None}
    items, next_cursor = services.list_regions(g.actor, query["parent_code"], query["limit"], query["cursor"])
    return {"items": REGIONS.dump(items), "next": next_cursor}


@bp.post("")
@login_required
def create_region():
    data = load_json(REGION_CREATE)
    region = services.create_region(g.actor, data)
    db.session.commit()
    return REGION.dump(region), 201


@bp.get("/<code>")
@login_required
def get_region(code):
    region = services.get_region(g.actor, code)
    return REGION.dump(region)
