"""POST /api/v1/callbacks/<partner>: the raw bytes are verified before anything is parsed, and
the answer is in the partner's own format, sent only after the commit."""

import time

from flask import Blueprint, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from ..app_state import app_state
from ..errors import NotFound
from ..extensions import db
from .callbacks import receive_callback
from .match_worker import after_callback_commit
from .partner_formats import PARTNERS

bp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks")


def _partner_answer(partner: str, kind: str, reason: str):
    """The body and status the partner expects for this outcome."""
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


def _answer(partner: str, kind: str, reason: str) -> ResponseReturnValue:
    """_partner_answer as a response. Every answer but a refusal (whose reason varies) is one of a
    few constant bodies: each is serialised once per app, by the app's own JSON provider so the
    bytes are exactly what it would send, and reused (≈ 40 µs a callback saved, issue 23)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    if kind == "rejected":
        return _partner_answer(partner, kind, reason)
    answers = app_state(app).callback_answers
    key = (partner, kind)
    cached = answers.get(key)
    if cached is None:
        body, status = _partner_answer(partner, kind, reason)
        cached = answers[key] = (app.json.response(body).get_data(), status)
    return app.response_class(cached[0], status=cached[1], mimetype=app.json.mimetype)


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
    current = request._get_current_object()  # type: ignore[attr-defined]  # each proxy access is a lookup
    headers, body, remote_addr = current.headers, current.get_data(), current.remote_addr
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            outcome = receive_callback(partner, headers, body, remote_addr, time.time())
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
    context = g._get_current_object()
    context.callback_partner, context.callback_outcome = partner, outcome.kind  # for the log line and /metrics
    if outcome.awaits_matching:
        after_callback_commit(current_app._get_current_object())  # type: ignore[attr-defined]  # the app behind the proxy
    return _answer(partner, outcome.kind, outcome.reason)
