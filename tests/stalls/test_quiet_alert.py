"""The quiet-stall alert: only inside the usual trading window, only after much longer than the
stall's usual gap, never on too little history."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from market_pay.stalls.quiet_alert import quiet_since

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # local time, as the board passes it


def history(days=5, start_hour=6, end_hour=12, every_minutes=10):
    """A stall that sells every 10 minutes from 06:00 to 12:00 on each of the past days."""
    times = []
    for back in range(1, days + 1):
        day = NOW.replace(hour=start_hour, minute=0) - timedelta(days=back)
        while day.hour < end_hour:
            times.append(day)
            day += timedelta(minutes=every_minutes)
    return times


def test_a_stall_silent_for_far_longer_than_usual_in_trading_hours_is_quiet():
    today = [NOW.replace(hour=8, minute=30)]
    alert = quiet_since(history() + today, NOW)
    assert alert == {
        "last_credit_at": today[0],
        "quiet_minutes": 90,
        "usual_gap_minutes": 10.0,
        "threshold_minutes": 40,
    }


def test_a_normal_pause_is_not_an_alert():
    assert quiet_since(history() + [NOW - timedelta(minutes=30)], NOW) is None


def test_outside_the_usual_hours_silence_is_normal():
    assert quiet_since(history(), NOW.replace(hour=15)) is None
    assert quiet_since(history(), NOW.replace(hour=5)) is None


def test_no_credit_yet_today_counts_from_the_usual_opening():
    alert = quiet_since(history(), NOW)
    assert alert["last_credit_at"] is None and alert["quiet_minutes"] == 4 * 60  # since the usual 06:00 opening


def test_too_little_history_never_alerts():
    assert quiet_since(history(days=2), NOW) is None
    assert quiet_since([], NOW) is None


def test_a_slow_stall_gets_a_longer_threshold():
    slow = history(every_minutes=30)
    assert quiet_since(slow + [NOW - timedelta(minutes=100)], NOW) is None
    assert quiet_since(slow + [NOW - timedelta(minutes=130)], NOW)["threshold_minutes"] == 120
