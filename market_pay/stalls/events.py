"""Live confirmations for the stall board: which stalls' feeds moved, told to the waiting pages.

One FeedHub per web process. A single thread polls the feed counters of the stalls that have a
page open (one indexed query for all of them, whatever the number of pages) and wakes exactly
the pages of the stalls whose counter moved. The counter is the database's (FeedCounter, bumped
by the matcher in the same commit as the credit), so this works with any number of processes and
servers: nothing is announced that is not committed, and no process needs to hear from another.
"""

import logging
import threading
from collections import defaultdict

from sqlalchemy import select

from ..common.bulk import in_values
from ..extensions import db
from ..payments.models import FeedCounter
from .stream_slots import StreamSlots

log = logging.getLogger(__name__)
# A tenth of a second: the one query costs next to nothing, and it is most of a confirmation's
# way to the page after the matcher (bench_board.py: p99 0.63 s at 100 callbacks/s, 1,000 pages).
POLL_SECONDS = 0.1


class Subscription:
    """One open page: wait() returns when its stall's feed passed `seen`, or after a timeout."""

    def __init__(self, hub, vendor_id: int):
        self.hub, self.vendor_id = hub, vendor_id
        self.moved = threading.Event()

    def wait(self, timeout: float) -> bool:
        moved = self.moved.wait(timeout)
        self.moved.clear()
        return moved

    def close(self):
        self.hub._unsubscribe(self)


class FeedHub:
    def __init__(self, app, poll_seconds: float = POLL_SECONDS):
        self.app, self.poll_seconds = app, poll_seconds
        self._lock = threading.Lock()
        self._subscribers: dict[int, set] = defaultdict(set)
        self._last_seq: dict[int, int] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def subscribe(self, vendor_id: int) -> Subscription:
        subscription = Subscription(self, vendor_id)
        with self._lock:
            self._subscribers[vendor_id].add(subscription)
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, name="feed-hub", daemon=True)
                self._thread.start()
        return subscription

    def _unsubscribe(self, subscription: Subscription):
        with self._lock:
            peers = self._subscribers.get(subscription.vendor_id)
            if peers is not None:
                peers.discard(subscription)
                if not peers:
                    del self._subscribers[subscription.vendor_id]
                    self._last_seq.pop(subscription.vendor_id, None)

    def stop(self):
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)

    def poll_once(self):
        """Read the counters of every watched stall; wake the pages of those that moved."""
        with self._lock:
            watched = list(self._subscribers)
        if not watched:
            return
        with self.app.app_context():
            try:
                rows = db.session.execute(
                    select(FeedCounter.vendor_id, FeedCounter.last_seq).where(in_values(FeedCounter.vendor_id, watched))
                ).all()
            finally:
                db.session.remove()
        with self._lock:
            for vendor_id, last_seq in rows:
                if self._last_seq.get(vendor_id) != last_seq:
                    self._last_seq[vendor_id] = last_seq
                    for subscription in self._subscribers.get(vendor_id, ()):
                        subscription.moved.set()

    def _run(self):
        while not self._stopping.wait(self.poll_seconds):
            try:
                self.poll_once()
            except Exception:  # a database blip: the pages keep waiting; the next poll retries
                log.exception("feed hub poll failed")


def hub_for(app) -> FeedHub:
    """This process's hub (created on first use, so after gunicorn forks its workers)."""
    hub = app.extensions.get("market_pay_feed_hub")
    if hub is None:
        hub = app.extensions.setdefault("market_pay_feed_hub", FeedHub(app))
    return hub


def slots_for(app) -> StreamSlots:
    """This process's stream ceilings (stalls/stream_slots.py), created on first use like the hub."""
    slots = app.extensions.get("market_pay_stream_slots")
    if slots is None:
        slots = app.extensions.setdefault(
            "market_pay_stream_slots", StreamSlots(app.config["STREAMS_PER_SESSION"], app.config["STREAMS_PER_STALL"])
        )
    return slots
