"""GET /metrics in the Prometheus text format.

Counters and latency histograms come from prometheus_client. Under gunicorn every worker is its
own process, so `market-pay serve` sets PROMETHEUS_MULTIPROC_DIR and the library keeps each
worker's values in a file there; a scrape, whichever worker answers it, adds them all up. The
state of the money (suspense, the matcher's backlog, reconciliation breaks) is read from the
database at scrape time, so it is the same whichever server is scraped.

Access: a bearer token (MARKET_PAY_METRICS_TOKEN); without one configured, loopback only.
"""

import hmac
import os
from datetime import timedelta

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy import func, select

from ..common.types import utcnow
from ..errors import Forbidden
from ..extensions import db

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("market_pay_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "market_pay_http_request_duration_seconds",
    "Time to answer a request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CALLBACKS = Counter("market_pay_callbacks_total", "Bank callbacks by partner and outcome", ["partner", "outcome"])
CALLBACK_LATENCY = Histogram(
    "market_pay_callback_duration_seconds",
    "Time to record and acknowledge a callback",
    ["partner"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
# Streams stay open for hours: their duration would drown every other route's histogram.
UNTIMED_ROUTES = {"/stall/events"}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe(response):
    """after_request: count the answer and time it."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as a Request
    context = g._get_current_object()
    route = current.url_rule.rule if current.url_rule is not None else "unmatched"
    method = current.method if current.method in _METHODS else "other"  # a client can send any token
    _child(REQUESTS, method, route, str(response.status_code)).inc()
    seconds = getattr(context, "request_seconds", None)
    if seconds is not None and route not in UNTIMED_ROUTES:
        _child(LATENCY, route).observe(seconds)
        partner = getattr(context, "callback_partner", None)
        outcome = getattr(context, "callback_outcome", None)
        if outcome:
            _child(CALLBACKS, partner, outcome).inc()
            _child(CALLBACK_LATENCY, partner).observe(seconds)
    return response


# The metric's child per label values, found once: `labels()` takes a lock and rebuilds the key
# on every call. Routes, methods, statuses and partners are few, so this stays small.
_children: dict[tuple, object] = {}


def _child(metric, *values):
    key = (id(metric), *values)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*values)
    return child


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def _gauge(name: str, help_text: str, samples: list[tuple[dict, float]]) -> str:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        label_text = ",".join(f'{key}="{value_}"' for key, value_ in labels.items())
        lines.append(f"{name}{{{label_text}}} {value}" if label_text else f"{name} {value}")
    return "\n".join(lines) + "\n"


def _database_gauges() -> str:
    from ..payments.models import BankTransaction, SuspenseItem
    from ..reconciliation.models import ReconciliationBreak, ReconciliationRun
    from ..reports.models import RollupDirty

    open_items = db.session.execute(
        select(SuspenseItem.reason, func.count()).where(SuspenseItem.status == "open").group_by(SuspenseItem.reason)
    ).all()
    pending = (
        db.session.scalar(
            select(func.count()).select_from(BankTransaction).where(BankTransaction.match_kind == "pending")
        )
        or 0
    )
    week = utcnow() - timedelta(days=7)
    breaks = db.session.execute(
        select(ReconciliationBreak.kind, func.count())
        .join(ReconciliationRun, ReconciliationRun.id == ReconciliationBreak.run_id)
        .where(ReconciliationRun.created_at >= week)
        .group_by(ReconciliationBreak.kind)
    ).all()
    stale = db.session.scalar(select(func.count()).select_from(RollupDirty)) or 0
    db.session.rollback()
    return (
        _gauge(
            "market_pay_suspense_open",
            "Unmatched money waiting for a person, by reason",
            [({"reason": reason}, count) for reason, count in open_items] or [({}, 0)],
        )
        + _gauge("market_pay_matcher_pending", "Recorded transactions not yet matched", [({}, pending)])
        + _gauge(
            "market_pay_reconciliation_breaks",
            "Breaks found by reconciliation runs of the last 7 days",
            [({"kind": kind}, count) for kind, count in breaks] or [({}, 0)],
        )
        + _gauge("market_pay_report_rollup_stale", "Stall-days marked for the report rollups", [({}, stale)])
    )


@bp.get("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Forbidden("A metrics token is required.")
    elif request.remote_addr not in ("127.0.0.1", "::1"):
        raise Forbidden("Metrics are served to this machine only (set MARKET_PAY_METRICS_TOKEN).")
    body = generate_latest(_registry()).decode() + _database_gauges()
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})
