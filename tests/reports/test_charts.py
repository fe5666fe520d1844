"""The weekly share chart, a pure function: partial weeks are hollow and dashed, weeks before any
figure are left out, a week without cash recorded is a gap, never 0 %."""

import re
from datetime import date, timedelta

from market_pay.reports.charts import weekly_share

WORDS = {"partial": "tuần chưa đủ: {days}/7 ngày", "no_share": "chưa ghi tiền mặt"}


def week(n, share, days=7, has_data=True):
    return {
        "week_start": date(2026, 10, 5) + timedelta(weeks=n),
        "share_by_value": share,
        "days": days,
        "partial": days < 7,
        "has_data": has_data,
    }


def test_partial_weeks_are_hollow_and_dashed_and_empty_weeks_are_left_out():
    svg = str(
        weekly_share(
            [week(0, None, has_data=False), week(1, 0.4), week(2, None), week(3, 0.5), week(4, 0.1, days=3)], WORDS
        )
    )
    assert ">05/10" not in svg  # before any figure
    points = re.findall(r'<circle class="week( partial)?" data-share="([0-9.]+)"[^>]*fill="([^"]+)"', svg)
    assert points == [("", "0.4000", "#1565c0"), ("", "0.5000", "#1565c0"), (" partial", "0.1000", "#fff")]
    segments = re.findall(r'<line class="segment"[^>]*?(stroke-dasharray="5 4")?/>', svg)
    assert segments == ['stroke-dasharray="5 4"']  # 19/10 → 26/10 is a gap; 26/10 → 2/11 partial
    assert svg.count('class="no-share"') == 1 and "tuần chưa đủ: 3/7 ngày" in svg and ">02/11*<" in svg
    assert ">0 %<" in svg and ">100 %<" in svg
