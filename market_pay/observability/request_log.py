"""Every request gets an id (the caller's X-Request-Id if sane, else a new one), echoed in the
answer and in one JSON log line per request on the `market_pay.access` logger.

The line names the route, never the query string or the body: queries carry QR payloads, bodies
carry account numbers and callbacks, headers carry tokens and signatures; none of it is logged.
"""

import json
import logging
import os
import re
import time
from datetime import UTC, datetime

from flask import g, request

access_log = logging.getLogger("market_pay.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


# json.dumps(line, ensure_ascii=False, default=str) builds a new encoder on every call: one made
# once writes the same text in about half the time (issue 23: every request logs a line).
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


class _SecondStamp:
    """datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds"), the same text, with the
    date and time to the second worked out once per second instead of once per line."""

    def __init__(self):
        self._cached = (-1, "")  # (whole second, its text up to the seconds): one tuple, so threads see both or neither

    def __call__(self, created: float) -> str:
        whole = int(created)
        micros = round((created - whole) * 1e6)  # rounded as datetime.fromtimestamp rounds
        if micros >= 1_000_000:
            whole, micros = whole + 1, micros - 1_000_000
        second, text = self._cached
        if second != whole:
            text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._cached = (whole, text)
        return f"{text}.{micros // 1000:03d}+00:00"


_utc_millis = _SecondStamp()


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: what log shippers (journald, Loki, CloudWatch) read best."""

    def format(self, record):
        line = {
            "ts": _utc_millis(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if "request_id" not in line:
            request_id = _current_request_id()
            if request_id:
                line["request_id"] = request_id
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return _encode(line)


def _current_request_id():
    try:
        return g.get("request_id")
    except RuntimeError:  # outside a request
        return None


def configure_logging(app):
    """JSON lines on stderr for our loggers (gunicorn collects stderr), unless tests or the
    operator configured logging already."""
    root = logging.getLogger("market_pay")
    if app.testing or root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLineFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


def start_request():
    # Each proxy access (`g.x`, `request.x`) is a context lookup: take the objects once.
    context = g._get_current_object()
    given = request.headers.get("X-Request-Id", "")
    context.request_id = given if _SANE_ID.match(given) else os.urandom(16).hex()
    context.request_started = time.perf_counter()


def finish_request(response):
    context = g._get_current_object()
    current = request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as a Request
    started = getattr(context, "request_started", None)
    elapsed = time.perf_counter() - started if started is not None else 0.0
    context.request_seconds = elapsed
    request_id = getattr(context, "request_id", "")
    response.headers["X-Request-Id"] = request_id
    if access_log.isEnabledFor(logging.INFO):
        actor = getattr(context, "actor", None)
        rule = current.url_rule
        fields = {
            "request_id": request_id,
            "method": current.method,
            "route": rule.rule if rule is not None else "unmatched",
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 1),
            "remote_addr": current.remote_addr,
            "user_id": getattr(actor, "id", None),
        }
        outcome = getattr(context, "callback_outcome", None)
        if outcome:
            fields.update(partner=context.callback_partner, outcome=outcome)
        # makeRecord + handle rather than .info(): the same record for the handlers, without the
        # stack walk that looks up the caller's file and line (nobody reads them on this line).
        access_log.handle(
            access_log.makeRecord(
                access_log.name, logging.INFO, __file__, 0, "request", (), None, extra={"fields": fields}
            )
        )
    return response
