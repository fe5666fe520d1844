"""Create, list and import regions; keep each node's materialised path right."""
from typing import Any

from sqlalchemy import select

from ..audit.services import record_change
from ..auth.scopes import require_admin, visible_regions_condition
from ..common.paging import paginate
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from .models import Region


def find_region(code: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound(f"No region with code {code}.")
    return region


def _path_for(code: str, parent: Region | None) -> str:
    return (parent.path if parent else "/") + code + "/"


def create_region(actor, data: dict) -> Region:
    """Add one node. `actor` None is the operator's CLI. Codes are unique across the tree."""
    if actor is not None:
        require_admin(actor)
    if db.session.scalar(select(Region.id).where(Region.code == data["code"])) is not None:
        raise Conflict(errors={"code": [f"Region {data['code']} exists already."]})
    parent = None
    if data.get("parent_code"):
        parent = db.session.scalar(select(Region).where(Region.code == data["parent_code"]))
        if parent is None:
            raise ValidationFailed(errors={"parent_code": [f"No region with code {data['parent_code']}."]})
    region = Region(code=data["code"], name=data["name"], kind=data["kind"], parent=parent,
                    path=_path_for(data["code"], parent), valid_from=data.get("valid_from"),
                    valid_to=data.get("valid_to"))
    db.session.add(region)
    db.session.flush()
    record_change(actor, "region.create", "region", region.code,
                  {"name": region.name, "kind": region.kind, "parent_code": region.parent_code})
    return region


def list_regions(actor, parent_code=None, limit=None, cursor=None):
    query = select(Region).where(visible_regions_condition(actor))
    if parent_code:
        query = query.where(Region.parent_id == find_region(parent_code).id)
    return paginate(query, Region.id, limit, cursor)


def region_tree(actor) -> list[dict]:
    """The visible regions nested under their parents; roots are nodes whose parent is not visible."""
    regions = db.session.scalars(
        select(Region).where(visible_regions_condition(actor)).order_by(Region.path)).all()
    nodes: dict[int | None, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for region in regions:  # path order puts every parent before its children
        node = {"code": region.code, "name": region.name, "kind": region.kind,
                "parent_code": region.parent_code, "valid_from": region.valid_from,
                "valid_to": region.valid_to, "children": []}
        nodes[region.id] = node
        parent = nodes.get(region.parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


def get_region(actor, code: str) -> Region:
    region = find_region(code)
    visible = db.session.scalar(
        select(Region.id).where(Region.id == region.id, visible_regions_condition(actor)))
    if visible is None:
        raise Forbidden("This region is outside your scope.")
    return region
