"""Book periods and groups: calendar months, quarters, half-years and years of local dates. Pure."""

import re
from datetime import date, timedelta

from ..common.schemas import FIRST_DATE, LAST_DATE

GROUPS = ("day", "month", "quarter", "half", "year")
# A book is read for a declaration period or a year; a longer one is a mistake in the request, and
# its work (one line per stall-day and account) must stay bounded.
MAX_DAYS = 366
# Spelled out here: calendar.month_name follows the server's locale.
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_PERIOD = re.compile(r"^([0-9]{4})(?:-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")  # ASCII digits only (not ２０２６)


def month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse_period(text: str) -> tuple[date, date]:
    """'2026' | '2026-Q1' | '2026-H2' | '2026-03' → (first, last) local dates; ValueError otherwise."""
    match = _PERIOD.match(text.strip())
    if not match:
        raise ValueError("A period is YYYY, YYYY-Q1…Q4, YYYY-H1/H2 or YYYY-MM (e.g. 2026-Q1).")
    year, part = int(match.group(1)), match.group(2)
    # The API's bounds on a date (common/schemas.py): the year 9999 would overflow on its way to UTC.
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise ValueError(f"A period's year is {FIRST_DATE.year} to {LAST_DATE.year}.")
    if part is None:
        return date(year, 1, 1), date(year, 12, 31)
    if part[0] == "Q":
        quarter = int(part[1])
        return date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter)
    if part[0] == "H":
        half = int(part[1])
        return date(year, 6 * half - 5, 1), month_end(year, 6 * half)
    month = int(part)
    return date(year, month, 1), month_end(year, month)


def group_key(day: date, group: str) -> str:
    """The key of the group a day falls in: 2026-03-05, 2026-03, 2026-Q1, 2026-H1, 2026."""
    if group == "day":
        return day.isoformat()
    if group == "month":
        return f"{day.year}-{day.month:02d}"
    if group == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if group == "half":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return str(day.year)


def group_label(key: str, group: str, lang: str = "vi") -> str:
    """'2026-Q1' → 'Quý 1/2026' (Vietnamese) or 'Q1 2026'; '2026-12' → 'Tháng 12/2026' or
    'December 2026'; a day as dd/mm/yyyy."""
    if group == "day":
        return date.fromisoformat(key).strftime("%d/%m/%Y")
    if group == "year":
        return f"Năm {key}" if lang == "vi" else key
    year, part = key.split("-")
    if group == "month":
        # English in words ('December 2026'): '2026-12' read as a code, not a month.
        return f"Tháng {int(part)}/{year}" if lang == "vi" else f"{_MONTHS_EN[int(part) - 1]} {year}"
    if group == "quarter":
        return f"Quý {part[1]}/{year}" if lang == "vi" else f"Q{part[1]} {year}"
    return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}" if lang == "vi" else f"{part} {year}"


def current_periods(today: date) -> dict[str, tuple[date, date]]:
    """The board's periods, each up to today: this month, quarter, half-year and the year so far."""
    quarter_first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    half_first = date(today.year, 1 if today.month <= 6 else 7, 1)
    return {
        "month": (today.replace(day=1), today),
        "quarter": (quarter_first, today),
        "half": (half_first, today),
        "year": (date(today.year, 1, 1), today),
    }


# Fewer days than this say little about a year (a market day a week, a festival week).
PACE_MIN_DAYS = 7


def year_pace(year_so_far: int, today: date, counting_since: date) -> int | None:
    """The year's revenue at this pace: what was taken per day since `counting_since` (January 1st,
    or the day the stall joined if later) times the days of the year. None before PACE_MIN_DAYS."""
    first = max(date(today.year, 1, 1), counting_since)
    days = (today - first).days + 1
    if days < PACE_MIN_DAYS:
        return None
    year_days = (date(today.year, 12, 31) - first).days + 1
    return year_so_far * year_days // days


def millions_text(amount: int, lang: str = "vi") -> str:
    """412_345_678 → 'khoảng 412 triệu ₫' style figure: whole millions (or thousands below a million)."""
    if amount >= 1_000_000_000:
        billions = f"{amount / 1_000_000_000:.1f}"
        return (billions.replace(".", ",") + " tỷ ₫") if lang == "vi" else f"{billions} billion ₫"
    if amount >= 1_000_000:
        return f"{round(amount / 1_000_000)} triệu ₫" if lang == "vi" else f"{round(amount / 1_000_000)} million ₫"
    return f"{round(amount / 1_000)} nghìn ₫" if lang == "vi" else f"{round(amount / 1_000)} thousand ₫"
