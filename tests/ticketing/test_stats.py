"""Statistics over a small day of known tickets: every figure is worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ticketing.calendar import BusinessCalendar
from ticketing.fakes import FixedClock
from ticketing.model import DailyStat
from ticketing.service import NewTicket, TicketService
from ticketing.stats import Period, _pct, repeat_locations, summary, wallboard
from ticketing.store import Store

from .factories import small_hospital

DAY = date(2026, 11, 23)  # the FixedClock starts on this day, 09:00 in Shanghai


def _new(service_type: str, location: str, **kw: object) -> NewTicket:
    return NewTicket(service_type=service_type, location_code=location, description="x",
                     reporter_phone="6123", **kw)  # type: ignore[arg-type]


def _work(service: TicketService, clock: FixedClock, ticket_id: int, worker: str,
          respond_min: float, complete_min: float) -> None:
    """Dispatch now, accept after ``respond_min``, done ``complete_min`` after creation."""
    start = clock.now()
    service.dispatch("li", ticket_id, [worker], print_slip=False)
    clock.advance(minutes=respond_min)
    service.worker_accept(f"sms:{worker}", ticket_id, worker)
    clock.set(start + timedelta(minutes=complete_min))
    service.complete(f"sms:{worker}", ticket_id)


@pytest.fixture
def day(store: Store, service: TicketService, clock: FixedClock) -> dict[str, int]:
    """Six tickets on one day (times from each ticket's creation):
    t1 repair 10305 li/W001: response 5 min (met), done 25 min (met), score 5
    t2 repair 10305 wang/W002: response 45 min (late), done 300 min (late), score 3
    t3 cleaning 20101 li/W003: response 10 min (met), done 20 min (met)
    t4 repair 10306 li: open, never dispatched (overdue by the end)
    t5 repair 10306 li: merged into t4 (a duplicate, not a ticket of its own)
    t6 cleaning 20101 li: cancelled
    """
    small_hospital(store)
    ids: dict[str, int] = {}
    ids["t1"] = service.accept("li", _new("repair", "10305")).id
    _work(service, clock, ids["t1"], "W001", 5, 25)
    service.record_callback("li", ids["t1"], 5)
    ids["t2"] = service.accept("wang", _new("repair", "10305")).id
    _work(service, clock, ids["t2"], "W002", 45, 300)
    service.record_callback("wang", ids["t2"], 3)
    ids["t3"] = service.accept("li", _new("cleaning", "20101")).id
    _work(service, clock, ids["t3"], "W003", 10, 20)
    ids["t4"] = service.accept("li", _new("repair", "10306")).id
    ids["t5"] = service.accept("li", _new("repair", "10306")).id
    service.merge("li", ids["t5"], ids["t4"])
    ids["t6"] = service.accept("li", _new("cleaning", "20101")).id
    service.cancel("li", ids["t6"], "caller rang back: fixed")
    clock.advance(hours=1)
    return ids


def _by_group(store: Store, calendar: BusinessCalendar, group_by: str) -> dict[str, dict]:  # type: ignore[type-arg]
    with store.session() as s:
        rows = summary(s, Period.days(DAY, DAY, calendar.tz), group_by)
    return {r["group"]: r for r in rows}


def test_summary_by_service_type(day: dict[str, int], store: Store, calendar: BusinessCalendar) -> None:
    rows = _by_group(store, calendar, "service_type")
    assert set(rows) == {"repair", "cleaning"}
    repair = rows["repair"]
    assert (repair["tickets"], repair["done"]) == (3, 2)  # the merged duplicate is not counted
    assert repair["response_p50_s"] == 1500.0  # of 300 and 2700
    assert repair["response_p90_s"] == 2460.0  # 300 + 0.9 × 2400
    assert repair["completion_p50_s"] == 9750.0  # of 1500 and 18000
    assert repair["completion_p90_s"] == 16350.0
    assert (repair["response_hit_rate"], repair["completion_hit_rate"]) == (0.5, 0.5)
    assert repair["satisfaction"] == 4.0 and repair["repeat_tickets"] is None
    cleaning = rows["cleaning"]
    assert (cleaning["tickets"], cleaning["done"], cleaning["response_p50_s"]) == (2, 1, 600.0)
    assert cleaning["response_hit_rate"] == 1.0 and cleaning["satisfaction"] is None


def test_summary_by_department_operator_worker_location(day: dict[str, int], store: Store,
                                                         calendar: BusinessCalendar) -> None:
    dept = _by_group(store, calendar, "department")
    assert {k: v["tickets"] for k, v in dept.items()} == {"D01": 3, "D02": 2}
    ops = _by_group(store, calendar, "operator")
    assert {k: v["tickets"] for k, v in ops.items()} == {"li": 4, "wang": 1}
    assert ops["wang"]["response_hit_rate"] == 0.0 and ops["li"]["response_hit_rate"] == 1.0
    workers = _by_group(store, calendar, "worker")
    assert {k: v["done"] for k, v in workers.items()} == {"": 0, "W001": 1, "W002": 1, "W003": 1}
    locs = _by_group(store, calendar, "location")
    assert {k: (v["tickets"], v["repeat_tickets"]) for k, v in locs.items()} == {
        "10305": (2, 1), "10306": (1, 0), "20101": (2, 1)}


def test_summary_period_bounds_and_bad_group(day: dict[str, int], store: Store, service: TicketService,
                                             clock: FixedClock, calendar: BusinessCalendar) -> None:
    clock.advance(days=1)
    service.accept("li", _new("repair", "10305"))
    assert _by_group(store, calendar, "service_type")["repair"]["tickets"] == 3
    with store.session() as s:
        two_days = summary(s, Period.days(DAY, DAY + timedelta(days=1), calendar.tz))
        assert {r["group"]: r["tickets"] for r in two_days}["repair"] == 4
        assert summary(s, Period.days(DAY - timedelta(days=7), DAY - timedelta(days=1), calendar.tz)) == []
        with pytest.raises(ValueError, match="group_by must be one of"):
            summary(s, Period.days(DAY, DAY, calendar.tz), "colour")


def test_percentiles_interpolate() -> None:
    assert _pct([], 50) is None and _pct([7], 90) == 7.0
    values = list(range(10, 0, -1))  # unsorted input
    assert (_pct(values, 50), _pct(values, 90), _pct(values, 100)) == (5.5, 9.1, 10.0)


def test_repeat_locations(day: dict[str, int], store: Store, calendar: BusinessCalendar) -> None:
    with store.session() as s:
        rows = repeat_locations(s, Period.days(DAY, DAY, calendar.tz))
    top = {(r["location"], r["service_type"]): r for r in rows}
    assert top[("10305", "repair")]["tickets"] == 2
    assert top[("10305", "repair")]["building"] == "1号楼"
    assert top[("20101", "cleaning")]["tickets"] == 2
    assert rows[0]["tickets"] >= rows[-1]["tickets"]


def test_repeat_locations_ignore_merged_duplicates(day: dict[str, int], store: Store,
                                                   calendar: BusinessCalendar) -> None:
    with store.session() as s:
        rows = repeat_locations(s, Period.days(DAY, DAY, calendar.tz))
    assert ("10306", "repair") not in {(r["location"], r["service_type"]) for r in rows}


def test_wallboard_today_and_year(day: dict[str, int], store: Store, clock: FixedClock,
                                  calendar: BusinessCalendar) -> None:
    with store.session() as s:
        board = wallboard(s, clock.now(), calendar.tz)
    assert board["open_by_type"] == {"repair": 1} and board["open_total"] == 1
    assert board["overdue"] == 1  # t4: nobody accepted within 30 minutes
    today = board["today"]["total"]
    assert (today["done"], today["response_mean_s"]) == (3, 1200.0)  # (300+2700+600)/3
    assert today["response_hit_rate"] == 0.667 and today["completion_hit_rate"] == 0.667
    assert today["satisfaction"] == 4.0
    assert board["today"]["by_type"]["cleaning"]["completion_mean_s"] == 1200.0
    assert board["year"]["total"]["done"] == 3
    with store.session() as s:
        tomorrow = wallboard(s, clock.now() + timedelta(days=1), calendar.tz)
    assert tomorrow["today"]["total"]["created"] == 0 and tomorrow["year"]["total"]["done"] == 3


def test_wallboard_created_agrees_with_summary(day: dict[str, int], store: Store, clock: FixedClock,
                                               calendar: BusinessCalendar) -> None:
    with store.session() as s:
        board = wallboard(s, clock.now(), calendar.tz)
    tickets = sum(r["tickets"] for r in _by_group(store, calendar, "service_type").values())
    assert board["today"]["total"]["created"] == tickets


def test_reopened_ticket_is_done_once_in_the_rollup(day: dict[str, int], store: Store,
                                                    service: TicketService) -> None:
    service.reopen("li", day["t3"], "still dirty")
    service.dispatch("li", day["t3"], ["W003"], print_slip=False)
    service.complete("sms:W003", day["t3"])
    with store.session() as s:
        assert s.scalar(select(func.sum(DailyStat.done))) == 3
