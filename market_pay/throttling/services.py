"""hit(): count a request against a limit in one atomic upsert; 429 past the limit."""

import random
import time

from sqlalchemy import delete

from ..common.upsert import dialect_insert
from ..errors import TooManyRequests
from ..extensions import db
from .models import RateCounter

# Sweep stale windows on about one request in this many.
SWEEP_ONE_IN = 200


def hit(key: str, limit: int, window_seconds: int) -> int:
    """Count one request for `key`; raise TooManyRequests once `limit` is passed in the window.

    INSERT … ON CONFLICT DO UPDATE … RETURNING is a single atomic statement on SQLite and
    PostgreSQL alike, so concurrent workers never lose a count (no read-then-write race).
    """
    now = time.time()
    window = int(now // window_seconds)
    statement = (
        dialect_insert(RateCounter)
        .values(key=key, window_index=window, count=1)
        .on_conflict_do_update(index_elements=["key", "window_index"], set_={"count": RateCounter.count + 1})
        .returning(RateCounter.count)
    )
    count = db.session.execute(statement).scalar_one()
    if random.randrange(SWEEP_ONE_IN) == 0:
        db.session.execute(delete(RateCounter).where(RateCounter.window_index < window - 1))
    if count > limit:
        raise TooManyRequests(retry_after=(window + 1) * window_seconds - now)
    return count
