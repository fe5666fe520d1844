"""Stall alerts over the JSON API: the market's stalls that went quiet in their usual hours."""

from flask import Blueprint, g

from ..auth.guard import login_required
from . import services
from .schemas import QuietStallSchema

bp = Blueprint("stalls", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
QUIET_STALLS = QuietStallSchema(many=True)


@bp.get("/markets/<code>/quiet-stalls")
@login_required
def quiet_stalls(code):
    return {"items": QUIET_STALLS.dump(services.market_quiet_stalls(g.actor, code))}
