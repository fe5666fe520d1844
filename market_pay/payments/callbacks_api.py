"""POST /api/v1/callbacks/<partner>: the raw bytes are verified before anything is parsed, and
the answer is in the partner's own format, sent only after the commit."""
import time

from flask import Blueprint, current_app, g, request

from ..errors import NotFound
from ..extensions import db
from .callbacks import receive_callback
from .matcher import after_callback_commit
from .partner_formats import PARTNERS

bp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks")


def _partner_answer(partner: str, kind: str, reason: str):
    if kind == "rejected":
        body = {"simbank": {"status": "rejected", "reason": reason},
                "sepay": {"success": False, "message": reason},
                "payos": {"success": False, "desc": reason}}[partner]
        return body, 401
    if partner == "simbank":
        return {"status": "duplicate" if kind == "duplicate" else "accepted"}, 200
    return {"success": True}, 200


@bp.post("/<partner>")
def receive(partner):
    if partner not in PARTNERS:
        raise NotFound(f"No callback partner {partner!r}.")
    outcome = receive_callback(partner, request.headers, request.get_data(), request.remote_addr, time.time())
    # Committed before answering: an acknowledged callback is never lost. A rejected delivery
    # is committed too (kept for forensics), but never becomes money.
    db.session.commit()
    g.callback_partner, g.callback_outcome = partner, outcome.kind  # for the log line and /metrics
    if outcome.kind == "accepted":
        after_callback_commit(current_app._get_current_object())
    return _partner_answer(partner, outcome.kind, outcome.reason)
