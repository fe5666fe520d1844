"""How many board event streams may be open at once, per page session and per stall, in this process.

Each open `/stall/events` stream holds one of the worker's threads for as long as the page is
open. Without a ceiling one signed-in stall can open streams until every thread of the worker is
asleep in one, and `/healthz` and the banks' callbacks wait behind them. A board needs one stream;
a few tabs (or a phone and a tablet) are allowed, then 429.

The counts live in this process, like the streams themselves and the threads they hold: the cap
exists to keep each worker's threads available, so per-worker is exactly the unit that matters
(with W workers one session can hold at most W × the per-session cap threads in all, never a
whole worker). No database round trip is added to opening a stream, and nothing is left counted
when a worker dies. Pure: no Flask, no database.
"""

import threading
from collections import Counter


class StreamSlot:
    """One granted stream; release() is idempotent (the generator's end and the response's close
    may both call it)."""

    def __init__(self, slots: "StreamSlots", session_key: str, vendor_id: int):
        self._slots, self.session_key, self.vendor_id = slots, session_key, vendor_id
        self._released = False

    def release(self) -> None:
        self._slots._release(self)


class StreamSlots:
    def __init__(self, per_session: int, per_stall: int):
        self.per_session, self.per_stall = per_session, per_stall
        self._lock = threading.Lock()
        self._by_session: Counter = Counter()
        self._by_stall: Counter = Counter()

    def acquire(self, session_key: str, vendor_id: int) -> StreamSlot | None:
        """A slot, or None when the session or the stall already has its ceiling of streams here."""
        with self._lock:
            if self._by_session[session_key] >= self.per_session or self._by_stall[vendor_id] >= self.per_stall:
                return None
            self._by_session[session_key] += 1
            self._by_stall[vendor_id] += 1
            return StreamSlot(self, session_key, vendor_id)

    def _release(self, slot: StreamSlot) -> None:
        with self._lock:
            if slot._released:
                return
            slot._released = True
            for counts, key in ((self._by_session, slot.session_key), (self._by_stall, slot.vendor_id)):
                counts[key] -= 1
                if counts[key] <= 0:
                    del counts[key]

    def open_streams(self, vendor_id: int | None = None) -> int:
        """Streams open in this process (for one stall, or all of them)."""
        with self._lock:
            return self._by_stall[vendor_id] if vendor_id is not None else sum(self._by_stall.values())
