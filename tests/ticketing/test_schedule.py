"""When plans fall due: every N days, weeks or months from the start, or on set dates. Expected
dates are worked out by hand from the rules in ticketing/schedule.py's docstring."""

from __future__ import annotations

from datetime import date

import pytest

from ticketing.schedule import Schedule, ScheduleError, add_months, parse_date_spec

D = date.fromisoformat


def _dates(s: Schedule, first: str, until: str, after: str | None = None) -> list[str]:
    return [d.isoformat() for d in s.due_dates(D(first), D(until), D(after) if after else None)]


def test_monthly_keeps_its_day_and_falls_on_the_last_day_of_shorter_months() -> None:
    s = Schedule("month", 1, D("2026-01-31"))
    assert _dates(s, "2026-01-01", "2026-06-01") == [
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
    # every 3 months from 30 November: 30 Feb does not exist, 28 Feb does; then the 30th again
    q = Schedule("month", 3, D("2025-11-30"))
    assert _dates(q, "2025-01-01", "2026-09-01") == ["2025-11-30", "2026-02-28", "2026-05-30", "2026-08-30"]
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")  # a leap year


def test_days_and_weeks_count_from_the_start() -> None:
    two_weeks = Schedule("week", 2, D("2026-11-02"))
    assert _dates(two_weeks, "2026-11-10", "2026-12-31") == ["2026-11-16", "2026-11-30", "2026-12-14",
                                                             "2026-12-28"]
    ten_days = Schedule("day", 10, D("2026-11-01"))
    assert _dates(ten_days, "2026-11-01", "2026-12-01", after="2026-11-11") == [
        "2026-11-21", "2026-12-01"]
    assert _dates(ten_days, "2026-10-01", "2026-11-01") == ["2026-11-01"]  # never before the start


def test_set_dates_once_and_every_year() -> None:
    s = Schedule("dates", 1, D("2026-01-01"), dates=("2026-12-24", "03-15", "02-29"))
    assert _dates(s, "2026-01-01", "2028-12-31") == [
        "2026-02-28", "2026-03-15", "2026-12-24", "2027-02-28", "2027-03-15", "2028-02-29",
        "2028-03-15"]
    once = Schedule("dates", 1, D("2026-01-01"), dates=("2026-05-01", "2026-10-01"))
    assert _dates(once, "2026-06-01", "2030-01-01") == ["2026-10-01"]
    assert once.next_due(D("2026-10-02")) is None


def test_the_end_date_and_next_due() -> None:
    s = Schedule("week", 1, D("2026-11-23"), end=D("2026-12-10"))
    assert _dates(s, "2026-11-01", "2027-01-31") == ["2026-11-23", "2026-11-30", "2026-12-07"]
    assert s.next_due(D("2026-11-24")) == D("2026-11-30")
    assert s.next_due(D("2026-12-08")) is None


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"unit": "fortnight", "every": 1}, "unit must be one of"),
    ({"unit": "day", "every": 0}, "from 1 to 366"),
    ({"unit": "dates", "every": 1}, "at least one date"),
    ({"unit": "dates", "every": 1, "dates": ("02-30",)}, "does not exist"),
    ({"unit": "month", "every": 1, "end": D("2025-01-01")}, "before the start"),
])
def test_bad_schedules_say_why(kwargs: dict, words: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScheduleError, match=words):
        Schedule(start=D("2026-01-01"), **kwargs)


def test_date_specs() -> None:
    assert parse_date_spec(" 2026/3/5 ") == "2026-03-05"
    assert parse_date_spec("3-5") == "03-05"
    assert parse_date_spec("02-29") == "02-29"
    for bad in ("2026-13-01", "tomorrow", "2026-02-29"):
        with pytest.raises(ScheduleError):
            parse_date_spec(bad)
