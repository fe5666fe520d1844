"""Create, list, import, rename and move regions; keep each node's materialised path right."""

from typing import Any

from sqlalchemy import func, literal, select, update

from ..audit.services import record_change
from ..auth.scopes import require_admin, visible_regions_condition
from ..common.paging import paginate
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from .models import MARKET_REGION_KINDS, Region


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
    region = Region(
        code=data["code"],
        name=data["name"],
        kind=data["kind"],
        parent=parent,
        path=_path_for(data["code"], parent),
        valid_from=data.get("valid_from"),
        valid_to=data.get("valid_to"),
    )
    db.session.add(region)
    db.session.flush()
    record_change(
        actor,
        "region.create",
        "region",
        region.code,
        {"name": region.name, "kind": region.kind, "parent_code": region.parent_code},
    )
    return region


def list_regions(actor, parent_code=None, limit=None, cursor=None):
    query = select(Region).where(visible_regions_condition(actor))
    if parent_code:
        query = query.where(Region.parent_id == find_region(parent_code).id)
    return paginate(query, Region.id, limit, cursor)


def region_tree(actor) -> list[dict]:
    """The visible regions nested under their parents; roots are nodes whose parent is not visible."""
    regions = db.session.scalars(select(Region).where(visible_regions_condition(actor)).order_by(Region.path)).all()
    nodes: dict[int | None, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for region in regions:  # path order puts every parent before its children
        node = {
            "code": region.code,
            "name": region.name,
            "kind": region.kind,
            "parent_code": region.parent_code,
            "valid_from": region.valid_from,
            "valid_to": region.valid_to,
            "children": [],
        }
        nodes[region.id] = node
        parent = nodes.get(region.parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


def get_region(actor, code: str) -> Region:
    region = find_region(code)
    visible = db.session.scalar(select(Region.id).where(Region.id == region.id, visible_regions_condition(actor)))
    if visible is None:
        raise Forbidden("This region is outside your scope.")
    return region


def rename_region(actor, code: str, name: str) -> Region:
    """An administrator corrects a region's name (codes never change: reports and scopes use them)."""
    require_admin(actor)
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed(errors={"name": ["Give a name of 1 to 200 characters."]})
    region = find_region(code)
    if name != region.name:
        record_change(actor, "region.rename", "region", region.code, {"old_name": region.name, "name": name})
        region.name = name
    return region


def move_region(actor, code: str, parent_code: str) -> Region:
    """Re-parent a commune or ward (communes were moved between districts in the 2025 reform): its
    path and the path of everything under it are rewritten in one statement, so region staff's
    scopes and the reports' former-district grouping follow at once. Flushes; the caller commits
    the move and its audit row together.

    422 when the region is not a commune or ward, when the new parent is a commune or ward itself
    (markets sit in those, not under them) or lies under the region, or when a path grows too long.
    """
    require_admin(actor)
    # Locked and read afresh: two moves of one commune at once run one after the other, the
    # second rewriting the paths the first wrote (not the stale ones it read before waiting).
    region = db.session.execute(
        select(Region)
        .where(Region.id == find_region(code).id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if region.kind not in MARKET_REGION_KINDS:
        raise ValidationFailed(errors={"code": ["Only a commune or ward can be moved."]})
    parent = db.session.scalar(select(Region).where(Region.code == (parent_code or "").strip()))
    if parent is None:
        raise ValidationFailed(errors={"parent_code": [f"No region with code {parent_code}."]})
    if parent.kind in MARKET_REGION_KINDS or parent.path.startswith(region.path):
        raise ValidationFailed(errors={"parent_code": ["Choose a province or former district above the commune."]})
    if parent.id == region.parent_id:
        return region
    old_path, new_path = region.path, _path_for(region.code, parent)
    under = Region.path.startswith(old_path, autoescape=True)
    longest = db.session.scalar(select(func.max(func.length(Region.path))).where(under)) or 0
    if longest - len(old_path) + len(new_path) > Region.path.type.length:
        raise ValidationFailed(errors={"parent_code": ["The region's paths would become too long."]})
    old_parent = region.parent_code
    db.session.execute(
        update(Region)
        .where(under)
        .values(path=literal(new_path) + func.substr(Region.path, len(old_path) + 1))
        .execution_options(synchronize_session="fetch")
    )
    region.parent = parent
    db.session.flush()
    db.session.refresh(region)
    record_change(
        actor,
        "region.move",
        "region",
        region.code,
        {"old_parent_code": old_parent, "parent_code": parent.code, "old_path": old_path, "path": new_path},
    )
    return region
