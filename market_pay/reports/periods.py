"""A report period: inclusive local dates, its previous period, and how it splits over the rollups."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .rollups import day_bounds, month_start, next_month

# A province's multi-year comparison is fine; an unbounded one is a mistake in the request.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> "Period":
        """The period of equal length that ends the day before this one starts."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def utc_bounds(self) -> tuple[datetime, datetime]:
        return day_bounds(self.first)[0], day_bounds(self.last)[1]

    def whole_months(self) -> tuple[date, date] | None:
        """[first month, end month) of the calendar months wholly inside, or None."""
        start = self.first if self.first.day == 1 else next_month(self.first)
        end = month_start(self.last + timedelta(days=1))
        return (start, end) if start < end else None

    def weeks(self) -> list[date]:
        """The Monday of every week the period touches."""
        monday = self.first - timedelta(days=self.first.weekday())
        result = []
        while monday <= self.last:
            result.append(monday)
            monday += timedelta(days=7)
        return result
