"""Match recorded transactions to stalls, off the callback's request path.

Callbacks commit transactions as `pending` and answer at once; match_pending() then allocates
them in id order, in batches, in its own transaction. (On PostgreSQL a plain static-QR sale never
waits here: its callback's statement allocates it — callbacks.py.) It runs:
- `thread` (default): a daemon thread in each web worker, woken right after a callback commits
  (so a stall hears its payment well within a second) and polling as a safety net;
- `inline`: in the callback request itself, after the commit (tests; tiny installations);
- `off`: nowhere in the web workers — run `market-pay matcher run` as its own process.
Several matchers may run at once on any number of servers, but only one matches at a time: on
PostgreSQL a batch starts by taking a transaction-scoped advisory lock (the others wait for it,
then find whatever is still pending); on SQLite transactions are serialised anyway.
One matcher at a time keeps feed numbers in matching order and avoids lock-order deadlocks
between batches that touch the same stalls' counters and requests.
"""

import logging
import os
import threading
import time
from contextlib import nullcontext, suppress

from flask import has_app_context
from sqlalchemy import select, text

from ..extensions import db
from . import static_batch
from .allocation import allocate, settle_reversals_whose_credit_arrived
from .models import BankTransaction
from .signals import matching_drained

log = logging.getLogger(__name__)
BATCH = 200
POLL_SECONDS = 1.0
# After a batch that was not full, wait this long before the next: under a stream of callbacks a
# batch then holds many transactions instead of one or two, so the per-batch statements are paid
# once for all of them (and leave the CPU to the web workers), at ≤ 0.2 s of extra latency.
COALESCE_SECONDS = 0.2
# How much lower than the web workers the matcher runs (see yield_to_requests).
MATCHER_NICENESS = 10

# Any fixed number: the key of the advisory lock that makes one matcher run at a time.
MATCHER_LOCK_KEY = 7_340_001


def match_pending(limit: int = BATCH) -> int:
    """Allocate up to `limit` pending transactions in id order; the caller commits. Plain
    static-QR sales go together (static_batch.py); every other transaction through allocate().
    Returns how many were taken."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Waiting (not skipping) means no pending row is ever left without a matcher.
        db.session.execute(text(f"SELECT pg_advisory_xact_lock({MATCHER_LOCK_KEY})"))
    rows = db.session.execute(
        select(*static_batch.PENDING_COLUMNS)
        .where(BankTransaction.match_kind == "pending")
        .order_by(BankTransaction.id)
        .limit(limit)
    ).all()
    sales = static_batch.plan(rows)
    run = []  # consecutive static sales, written together before anything else is allocated
    for row in rows:
        if row.id in sales:
            run.append(row.id)
            continue
        static_batch.apply(run, sales)
        run = []
        txn = db.session.get_one(BankTransaction, row.id)
        if txn.match_kind != "pending":  # allocated earlier in this batch (a reversal's credit)
            continue
        allocate(txn)
        db.session.flush()  # later transactions of the batch must see this one (reversals, requests)
    static_batch.apply(run, sales)
    settle_reversals_whose_credit_arrived()
    return len(rows)


def drain(app) -> int:
    """Match until nothing is pending; one commit per batch; then announce it (signals.py: the
    report rollups catch up on matches, cash sales, reconciliations… since the last time).
    Returns the number matched."""
    total = 0
    # Inline mode runs inside the callback's request and reuses its context; threads need one.
    with nullcontext() if has_app_context() else app.app_context():
        while True:
            try:
                done = match_pending()
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            total += done
            if done < BATCH:
                break
        # Whatever follows matched money (the report rollups) catches up now, in its own
        # transaction, as it did when this called the reports directly.
        matching_drained.send(app)
    return total


def yield_to_requests():
    """Lower this process's CPU priority: `market-pay matcher run`, beside the web workers.

    Matching is deferred work; acknowledging a callback is not (it must commit before the 2xx,
    and a bank retries a slow answer). On a saturated machine the matcher therefore gives way to
    the web workers and catches up in idle moments. Not lower than 10: a batch holds row locks
    that a repeated delivery of the same transaction waits on, and at nice 19 a starved batch made
    such retries wait for seconds (measured).
    """
    with suppress(AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        os.setpriority(os.PRIO_PROCESS, 0, MATCHER_NICENESS)


class MatcherThread:
    """One per app in each web worker process, started on first use (after gunicorn's fork)."""

    def __init__(self):
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = None
        self._pid = None
        self._lock = threading.Lock()

    def wake(self, app):
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, args=(app,), name="matcher", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 5.0):
        """Finish the current batch and end the thread (tests; orderly shutdown)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, app):
        # Not niced (see yield_to_requests): it shares the GIL with this worker's request
        # threads, and a descheduled low-priority holder of the GIL would stall them.
        while not self._stopping.is_set():
            self._wake.wait(POLL_SECONDS)
            if self._stopping.is_set():
                return
            self._wake.clear()
            try:
                drain(app)
            except Exception:  # keep matching after a transient database error
                log.exception("matcher batch failed; retrying")
            time.sleep(COALESCE_SECONDS)


def after_callback_commit(app):
    """Called by the callback route once its commit is done."""
    mode = app.config["MATCHER"]
    if mode == "inline":
        drain(app)
    elif mode == "thread":
        app.extensions.setdefault("market_pay_matcher", MatcherThread()).wake(app)
