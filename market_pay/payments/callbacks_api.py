"""POST /api/v1/callbacks/<partner>: the raw bytes are verified before anything is parsed, and
the answer is in the partner's own format, sent only after the commit."""

import time

from flask import Blueprint, current_app, g, request
from sqlalchemy.exc import DBAPIError

from ..errors import NotFound
from ..extensions import db
from .callbacks import receive_callback
from .match_worker import after_callback_commit
from .partner_formats import PARTNERS

bp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks")


def _partner_answer(partner: str, kind: str, reason: str):
    if kind == "rejected":
        body = {
            "simbank": {"status": "rejected", "reason": reason},
            "sepay": {"success": False, "message": reason},
            "payos": {"success": False, "desc": reason},
        }[partner]
        return body, 401
    if partner == "simbank":
        return {"status": "duplicate" if kind == "duplicate" else "accepted"}, 200
    return {"success": True}, 200


# Recording again is safe (it is idempotent) and is what a bank would do anyway; here it happens
# before the bank sees an error, for two transient failures:
# - a connection that died while pooled (a database restart): the recording connections have no
#   pre-ping (recording_engine.py), so the first statement on one finds out, and the pool is
#   invalidated;
# - a deadlock between a callback and a matcher batch, possible in theory (a callback allocating
#   a stall's sale takes that stall's feed counter; see callbacks.py): PostgreSQL aborts one side.
TRANSIENT_ATTEMPTS = 3


def _is_transient(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return error.connection_invalidated or sqlstate.startswith("40")  # deadlock, serialization failure


def _record_and_commit(partner: str):
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            outcome = receive_callback(partner, request.headers, request.get_data(), request.remote_addr, time.time())
            # Committed before answering: an acknowledged callback is never lost. A rejected
            # delivery is committed too (kept for forensics), but never becomes money. A new sale
            # on PostgreSQL is already committed by its one statement and never opened a session.
            if db.session.registry.has():
                db.session.commit()
            return outcome
        except DBAPIError as error:
            if db.session.registry.has():  # (the recording connection failed: no session to undo)
                db.session.rollback()
            if attempt == TRANSIENT_ATTEMPTS or not _is_transient(error):
                raise  # a 503 for a database that is down (errors.py): the partner retries later


@bp.post("/<partner>")
def receive(partner):
    if partner not in PARTNERS:
        raise NotFound(f"No callback partner {partner!r}.")
    outcome = _record_and_commit(partner)
    g.callback_partner, g.callback_outcome = partner, outcome.kind  # for the log line and /metrics
    if outcome.awaits_matching:
        after_callback_commit(current_app._get_current_object())  # type: ignore[attr-defined]  # the app behind the proxy
    return _partner_answer(partner, outcome.kind, outcome.reason)
