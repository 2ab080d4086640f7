"""Business calendar: shifts per weekday, holidays and make-up workdays (调休).

Time limits on "business" service types count only working minutes; 24x7 types count wall time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


class CalendarError(ValueError):
    pass


Period = tuple[time, time]


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    shifts: dict[int, tuple[Period, ...]]  # ISO weekday → periods
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path, timezone: str = "Asia/Shanghai") -> BusinessCalendar:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        try:
            shifts = {int(day): tuple(_period(p) for p in periods)
                      for day, periods in data.get("shifts", {}).items()}
            holidays = frozenset(date.fromisoformat(d) for d in data.get("holidays", []))
            workdays = frozenset(date.fromisoformat(d) for d in data.get("workdays", []))
        except ValueError as exc:
            raise CalendarError(f"{path}: {exc}") from exc
        bad = [d for d in shifts if not 1 <= d <= 7]
        if bad:
            raise CalendarError(f"{path}: weekdays must be 1..7, got {bad}")
        return cls(ZoneInfo(timezone), shifts, holidays, workdays)

    @classmethod
    def always_open(cls, timezone: str = "Asia/Shanghai") -> BusinessCalendar:
        whole = ((time(0, 0), time(23, 59, 59, 999999)),)
        return cls(ZoneInfo(timezone), {d: whole for d in range(1, 8)})

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.shifts.get(1, ())
        return self.shifts.get(day.isoweekday(), ())

    def is_open(self, when: datetime) -> bool:
        local = when.astimezone(self.tz)
        return any(a <= local.time() < b for a, b in self.periods_on(local.date()))

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` of working time after ``start`` (UTC in, UTC out)."""
        remaining = timedelta(minutes=minutes)
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(3660):  # ten years of days: a calendar with no hours at all ends here
            for a, b in self.periods_on(day):
                begin = datetime.combine(day, a, self.tz)
                end = datetime.combine(day, b, self.tz)
                if end <= local:
                    continue
                begin = max(begin, local)
                if begin + remaining <= end:
                    return (begin + remaining).astimezone(UTC)
                remaining -= end - begin
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), self.tz)
        raise CalendarError("the business calendar has no working hours ahead")

    def next_open(self, when: datetime) -> datetime:
        """``when`` if open, else the start of the next working period."""
        return self.add_working_minutes(when, 0)


def _period(text: str) -> Period:
    a, _, b = text.partition("-")
    start, end = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    if end <= start:
        raise ValueError(f"period {text!r} ends before it starts")
    return start, end
