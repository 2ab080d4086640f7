"""When a maintenance plan falls due: every N days, weeks or months from its start date, or on
set dates (``YYYY-MM-DD`` once, ``MM-DD`` every year). Pure: dates in, dates out.

A monthly plan keeps its day of the month: started on the 31st, it falls due on the last day
of shorter months and on the 31st again after them (each date is counted from the start, not
from the date before). A yearly ``02-29`` falls on 28 February in other years.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

UNITS = ("day", "week", "month", "dates")
_SPEC = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$")


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says why."""


def parse_date_spec(raw: str) -> str:
    """``YYYY-MM-DD`` (once) or ``MM-DD`` (every year), normalised; ``ScheduleError`` else."""
    m = _SPEC.match(raw.strip().replace("/", "-").replace(".", "-"))
    if not m:
        raise ScheduleError(f"date {raw.strip()!r} is not YYYY-MM-DD or MM-DD")
    year, month, day = m.groups()
    try:
        date(int(year) if year else 2000, int(month), int(day))  # 2000: a leap year allows 02-29
    except ValueError:
        raise ScheduleError(f"date {raw.strip()!r} does not exist") from None
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}" if year else f"{int(month):02d}-{int(day):02d}"


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months``, its day kept or the month's last day if shorter."""
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Schedule:
    unit: str  # day | week | month | dates
    every: int
    start: date
    end: date | None = None
    dates: tuple[str, ...] = ()  # for unit "dates": parse_date_spec's forms

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ScheduleError(f"unit must be one of {', '.join(UNITS)}")
        if self.unit == "dates":
            if not self.dates:
                raise ScheduleError("a plan on set dates needs at least one date")
            for d in self.dates:
                parse_date_spec(d)
        elif not 1 <= self.every <= 366:
            raise ScheduleError("every must be a whole number from 1 to 366")
        if self.end is not None and self.end < self.start:
            raise ScheduleError("the end date is before the start date")

    def due_dates(self, first: date, until: date, after: date | None = None,
                  limit: int = 1000) -> list[date]:
        """The due dates ``d`` with ``first <= d <= until`` and ``d > after``, oldest first
        (at most ``limit``); never before the start nor after the end."""
        lo = max(first, self.start, after + timedelta(days=1) if after else first)
        hi = min(until, self.end) if self.end else until
        out: list[date] = []
        if lo > hi:
            return out
        for d in self._from(lo):
            if d > hi or len(out) >= limit:
                break
            out.append(d)
        return out

    def next_due(self, on_or_after: date) -> date | None:
        """The first due date on or after ``on_or_after`` (None: the plan has ended)."""
        lo = max(on_or_after, self.start)
        d = next(self._from(lo), None)
        return None if d is None or (self.end is not None and d > self.end) else d

    def _from(self, lo: date) -> Iterator[date]:
        """Due dates on or after ``lo`` (>= start), ascending, without end."""
        if self.unit in ("day", "week"):
            step = self.every * (7 if self.unit == "week" else 1)
            k = -(-(lo - self.start).days // step)  # ceiling: the first step on or after lo
            d = self.start + timedelta(days=k * step)
            while True:
                yield d
                d += timedelta(days=step)
        elif self.unit == "month":
            months = (lo.year - self.start.year) * 12 + lo.month - self.start.month
            k = max(0, months // self.every - 1)
            while True:
                d = add_months(self.start, k * self.every)
                if d >= lo:
                    yield d
                k += 1
        else:
            yield from self._set_dates(lo)

    def _set_dates(self, lo: date) -> Iterator[date]:
        once = sorted(date.fromisoformat(d) for d in self.dates if len(d) == 10)
        yearly = [tuple(int(p) for p in d.split("-")) for d in self.dates if len(d) == 5]
        year = lo.year
        while True:
            this_year = [d for d in once if d.year == year]
            for month, day in yearly:
                this_year.append(date(year, month, min(day, calendar.monthrange(year, month)[1])))
            for d in sorted(set(this_year)):
                if d >= lo:
                    yield d
            if not yearly and (not once or year >= once[-1].year):
                return
            year += 1
