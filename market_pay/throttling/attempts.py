"""count_attempt(): count one attempt for a key before the work it guards, in one atomic statement.

Used by sign-in: the count is taken (and committed) before the password is checked, and decides
whether it is checked at all, so concurrent attempts can never all slip under the limit the way a
"read the count, check, then record the failure" sequence lets them.
"""

import random
from datetime import timedelta

from sqlalchemy import case, delete, literal, update

from ..common.types import UTCDateTime, utcnow
from ..common.upsert import dialect_insert
from ..extensions import db
from .models import AttemptCounter

# Sweep windows long over on about one attempt in this many.
SWEEP_ONE_IN = 100
LONGEST_WINDOW = timedelta(days=1)


def count_attempt(key: str, window_seconds: int) -> tuple[int, float]:
    """Count one attempt for `key`; return (attempts in the current window including this one,
    seconds until that window closes). A window closed for longer than `window_seconds` starts over.

    INSERT … ON CONFLICT DO UPDATE … RETURNING is one atomic statement on SQLite and PostgreSQL:
    concurrent attempts each get a different count. The row stays locked until the caller's commit.
    """
    now = utcnow()
    window = timedelta(seconds=window_seconds)
    stale = AttemptCounter.started_at <= literal(now - window, UTCDateTime())
    statement = (
        dialect_insert(AttemptCounter)
        .values(key=key, count=1, started_at=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "count": case((stale, 1), else_=AttemptCounter.count + 1),
                "started_at": case((stale, literal(now, UTCDateTime())), else_=AttemptCounter.started_at),
            },
        )
        .returning(AttemptCounter.count, AttemptCounter.started_at)
    )
    count, started_at = db.session.execute(statement).one()
    if random.randrange(SWEEP_ONE_IN) == 0:
        db.session.execute(delete(AttemptCounter).where(AttemptCounter.started_at < now - LONGEST_WINDOW))
    return count, max(1.0, (started_at + window - now).total_seconds())


def uncount_attempt(key: str):
    """Take back one counted attempt (it turned out to be a success, not a failure)."""
    db.session.execute(
        update(AttemptCounter)
        .where(AttemptCounter.key == key, AttemptCounter.count > 0)
        .values(count=AttemptCounter.count - 1)
    )


def forget_attempts(key: str):
    db.session.execute(delete(AttemptCounter).where(AttemptCounter.key == key))
