"""Cash sales over the JSON API."""

from flask import Blueprint, g, request

from ..auth.guard import login_required
from ..common.request_input import load_json
from ..extensions import db
from . import services
from .schemas import CashSaleCreateSchema, CashSaleSchema, idempotency_key

bp = Blueprint("cash", __name__, url_prefix="/api/v1")
# Built once per process, not per request (see "Schema instances" in common/schemas.py).
CASH_SALE_CREATE = CashSaleCreateSchema()
CASH_SALE = CashSaleSchema()


@bp.post("/vendors/<int:vendor_id>/cash-sales")
@login_required
def record_cash_sale(vendor_id):
    key = idempotency_key(request.headers)
    data = load_json(CASH_SALE_CREATE)
    sale, created = services.record_cash_sale_once(
        g.actor, vendor_id, data["amount"], key, data["count"], data["occurred_at"]
    )
    db.session.commit()
    return CASH_SALE.dump(sale), 201 if created else 200


@bp.delete("/cash-sales/<int:sale_id>")
@login_required
def delete_cash_sale(sale_id):
    sale = services.delete_cash_sale(g.actor, sale_id)
    db.session.commit()
    return CASH_SALE.dump(sale)
