"""What one app keeps between requests: caches, the matcher's clock, and the ways of working
chosen at start-up (how callbacks are recorded). It lives on the app, as
app.extensions["market_pay"], never in a module: two apps in one process (the tests run one on
SQLite and one on PostgreSQL) must not share a credential cache or a recording path."""

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app


@dataclass
class AppState:
    # How a verified callback is written (payments/recorders.py), chosen by create_app for the
    # database; the tests' rollback fixture swaps in one that records in its transaction.
    callback_recorder: object = None
    # partner → (time.monotonic() when read, (secrets, api_keys)): payments/partners.py.
    partner_credentials: dict = field(default_factory=dict)
    # (partner, outcome) → (body bytes, status) of the constant answers to callbacks: payments/callbacks_api.py.
    callback_answers: dict = field(default_factory=dict)
    # When this app's matchers last brought the report rollups up to date (time.monotonic()).
    last_rollup_refresh: float = 0.0
    # Guards one-time set-up that a worker's threads may race to do (the recording engine).
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> AppState:
    state = app.extensions["market_pay"] = AppState()
    return state


def app_state(app: Flask | None = None) -> AppState:
    """The state of APP (default: the current app)."""
    return (app or current_app).extensions["market_pay"]
