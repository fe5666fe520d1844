"""Region endpoints: list (flat by parent, or as a tree) and create."""

from flask import Blueprint, g

from ..auth.guard import login_required
from ..common.request_input import load_json, load_query
from ..extensions import db
from . import services
from .schemas import RegionCreateSchema, RegionListQuerySchema, RegionSchema, RegionTreeSchema

bp = Blueprint("regions", __name__, url_prefix="/api/v1/regions")


@bp.get("")
@login_required
def list_regions():
    query = load_query(RegionListQuerySchema())
    if query["tree"]:
        return {"items": RegionTreeSchema(many=True).dump(services.region_tree(g.actor)), "next": None}
    items, next_cursor = services.list_regions(g.actor, query["parent_code"], query["limit"], query["cursor"])
    return {"items": RegionSchema(many=True).dump(items), "next": next_cursor}


@bp.post("")
@login_required
def create_region():
    data = load_json(RegionCreateSchema())
    region = services.create_region(g.actor, data)
    db.session.commit()
    return RegionSchema().dump(region), 201


@bp.get("/<code>")
@login_required
def get_region(code):
    region = services.get_region(g.actor, code)
    return RegionSchema().dump(region)
