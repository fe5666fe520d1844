"""Has a stall gone quiet? Credits stopping during its usual trading hours for much longer than its
usual gap between credits is how a covered, torn or swapped QR card shows up. Pure module.

From the stall's recent days (not today): the usual trading window is the median first and median
last credit time of day; the usual gap is the median time between consecutive credits within a
day. Now, inside that window, with no credit for longer than GAP_FACTOR usual gaps (and at least
MIN_QUIET), the stall is quiet. Too little history (fewer than MIN_DAYS trading days) → no alert.
"""

from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

MIN_DAYS = 3
GAP_FACTOR = 4
MIN_QUIET = timedelta(minutes=20)


def _time_of_day(moment: datetime) -> timedelta:
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second)


def quiet_since(credit_times: list[datetime], now: datetime) -> dict | None:
    """`credit_times` and `now` in local time (aware or all naive). None, or
    {"last_credit_at", "quiet_minutes", "usual_gap_minutes", "threshold_minutes"}."""
    by_day: dict = {}
    for moment in sorted(credit_times):
        by_day.setdefault(moment.date(), []).append(moment)
    past = {day: times for day, times in by_day.items() if day < now.date()}
    if len(past) < MIN_DAYS:
        return None
    # statistics.median works on timedeltas (it sorts and halves); typeshed admits only numbers.
    opens = median(_time_of_day(times[0]) for times in past.values())  # type: ignore[type-var]
    closes = median(_time_of_day(times[-1]) for times in past.values())  # type: ignore[type-var]
    gaps = [later - earlier for times in past.values() for earlier, later in pairwise(times)]
    if not gaps or not opens <= _time_of_day(now) <= closes:
        return None
    usual_gap = median(gaps)
    threshold = max(GAP_FACTOR * usual_gap, MIN_QUIET)
    today = by_day.get(now.date(), [])
    last = today[-1] if today else datetime.combine(now.date(), datetime.min.time(), now.tzinfo) + opens
    quiet = now - last
    if quiet <= threshold:
        return None
    return {
        "last_credit_at": today[-1] if today else None,
        "quiet_minutes": int(quiet.total_seconds() // 60),
        "usual_gap_minutes": round(usual_gap.total_seconds() / 60, 1),
        "threshold_minutes": int(threshold.total_seconds() // 60),
    }
