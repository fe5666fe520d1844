"""POST /api/v1/callbacks/<partner>: the raw bytes are verified before anything is parsed, and
the answer is in the partner's own format, sent only after the commit."""
import time

from flask import Blueprint, current_app, g, request
from sqlalchemy.exc import OperationalError

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


# A deadlock between a callback and a matcher batch is possible in theory (a callback allocating
# a stall's sale takes that stall's feed counter; see callbacks.py) and PostgreSQL then aborts
# one of them. The callback's whole transaction rolled back, so it is simply recorded again.
TRANSIENT_ATTEMPTS = 3


def _is_transient(error: OperationalError) -> bool:
    return (getattr(error.orig, "sqlstate", None) or "").startswith("40")  # deadlock, serialization failure


def _record_and_commit(partner: str):
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            outcome = receive_callback(partner, request.headers, request.get_data(), request.remote_addr,
                                       time.time())
            # Committed before answering: an acknowledged callback is never lost. A rejected
            # delivery is committed too (kept for forensics), but never becomes money.
            db.session.commit()
            return outcome
        except OperationalError as error:
            db.session.rollback()
            if attempt == TRANSIENT_ATTEMPTS or not _is_transient(error):
                raise  # a 503 (errors.py): the partner retries later


@bp.post("/<partner>")
def receive(partner):
    if partner not in PARTNERS:
        raise NotFound(f"No callback partner {partner!r}.")
    outcome = _record_and_commit(partner)
    g.callback_partner, g.callback_outcome = partner, outcome.kind  # for the log line and /metrics
    if outcome.awaits_matching:
        after_callback_commit(current_app._get_current_object())
    return _partner_answer(partner, outcome.kind, outcome.reason)
