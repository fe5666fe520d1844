"""Every request gets an id (the caller's X-Request-Id if sane, else a new one), echoed in the
answer and in one JSON log line per request on the `market_pay.access` logger.

The line names the route, never the query string or the body: queries carry QR payloads, bodies
carry account numbers and callbacks, headers carry tokens and signatures; none of it is logged.
"""
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import g, request

access_log = logging.getLogger("market_pay.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: what log shippers (journald, Loki, CloudWatch) read best."""

    def format(self, record):
        line = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        request_id = _current_request_id()
        if request_id and "request_id" not in line:
            line["request_id"] = request_id
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


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
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def finish_request(response):
    response.headers["X-Request-Id"] = g.get("request_id", "")
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    g.request_seconds = elapsed
    actor = g.get("actor")
    fields = {"request_id": g.get("request_id"), "method": request.method, "route": _route(),
              "status": response.status_code, "duration_ms": round(elapsed * 1000, 1),
              "remote_addr": request.remote_addr, "user_id": getattr(actor, "id", None)}
    if g.get("callback_outcome"):
        fields.update(partner=g.callback_partner, outcome=g.callback_outcome)
    access_log.info("request", extra={"fields": fields})
    return response


def _route() -> str:
    """The matched rule (`/api/v1/vendors/<int:vendor_id>`), so ids and references stay out of
    the log's cardinality; the raw path only when nothing matched."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"
