"""成本核算: labour rates from the file, labour booked when the work is done, cost per ticket,
per department and month."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.cost_stats import CostQueryError, cost_summary, ticket_costs, totals
from ticketing.costing import LabourRates, RatesError, working_seconds
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import Assignment, Staff
from ticketing.service import NewTicket, ServiceOptions, TicketService
from ticketing.stats import Period
from ticketing.store import Store
from ticketing.stores import ticket_costs as one_ticket

from ..conftest import ROOT
from .factories import small_hospital

TZ = ZoneInfo("Asia/Shanghai")
RATES = ROOT / "config" / "labour_rates.toml"


@pytest.fixture
def costed(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar) -> TicketService:
    small_hospital(store)
    with store.session() as s:
        s.execute(update(Staff).where(Staff.code == "W002").values(grade="senior"))
    options = replace(ServiceOptions(), labour_rates=LabourRates.load(RATES))
    return TicketService(store, clock, catalog, calendar, PlainComposer(), options)


def test_the_shipped_rates_file_reads_and_grade_beats_skill() -> None:
    rates = LabourRates.load(RATES)
    assert rates.hourly("senior", "repair") == Decimal("80.00")
    assert rates.hourly("", "repair") == Decimal("60.00")
    assert rates.hourly("", "no_such_skill") == Decimal("40.00")
    assert rates.cost(45 * 60, "", "repair") == Decimal("45.00")  # ¾ h at 60


@pytest.mark.parametrize(("text", "why"), [
    ('default = "cheap"', "not a number"),
    ("default = -5", "must be 0..100000"),
    ("[grade]\nmaster = 90", "grades are general"),
    ("rate = 3", "unknown key"),
    ("skill = 3", "must be a table"),
    ("default = [", "not valid TOML"),
])
def test_a_bad_rates_file_is_refused_naming_the_key(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "rates.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RatesError, match=why):
        LabourRates.load(path)
    with pytest.raises(RatesError, match="not found"):
        LabourRates.load(tmp_path / "missing.toml")


def test_working_time_runs_from_arrival_or_acceptance_to_done() -> None:
    t0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    at = lambda m: t0.replace(minute=m)  # noqa: E731
    assert working_seconds(at(3), at(13), at(43)) == 30 * 60  # on site 13 → 43
    assert working_seconds(at(3), None, at(43)) == 40 * 60  # no arrival: from acceptance
    assert working_seconds(at(20), at(13), at(43)) == 23 * 60  # joined after the start
    assert working_seconds(None, None, at(43)) is None  # never took it up


def _ticket(service: TicketService, clock: FixedClock, worker: str, location: str, arrive: bool,
            minutes: int, parts: list[tuple[str, int]]) -> int:
    t = service.accept("li", NewTicket(service_type="repair", description="修", location_code=location))
    service.dispatch("li", t.id, [worker], print_slip=False)
    clock.advance(minutes=3)
    service.worker_accept(f"sms:{worker}", t.id, worker)
    if arrive:
        clock.advance(minutes=10)
        service.start(f"sms:{worker}", t.id, worker)
    clock.advance(minutes=minutes)
    service.complete(f"sms:{worker}", t.id, parts=parts)
    return t.id


def test_labour_and_parts_are_costed_per_ticket_department_and_month(
        costed: TicketService, store: Store, clock: FixedClock) -> None:
    clock.set(datetime(2026, 10, 30, 2, 0, tzinfo=UTC))  # October, Shanghai
    a = _ticket(costed, clock, "W001", "10305", True, 30, [("P0001", 2)])  # D01: ½ h at 60 + 2 × 12.50
    clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))  # November
    b = _ticket(costed, clock, "W002", "10306", False, 30, [])  # D01: senior, 33 min at 80 from acceptance
    c = _ticket(costed, clock, "W001", "20101", True, 15, [("P0001", 1)])  # D02: ¼ h at 60 + 12.50
    with store.session() as s:
        labour = {t: (a_.labour_s, a_.labour_cost) for t, a_ in
                  s.execute(select(Assignment.ticket_id, Assignment)).all()}
        assert labour[a] == (30 * 60, Decimal("30.00"))
        assert labour[b] == (30 * 60, Decimal("40.00"))
        assert labour[c] == (15 * 60, Decimal("15.00"))
        assert one_ticket(s, a)["total"] == "55.00"
        period = Period.days(date(2026, 10, 1), date(2026, 11, 30), TZ)
        per_ticket = {r["ticket_id"]: (r["month"], r["department"], r["total"]) for r in ticket_costs(s, period, TZ)}
        assert per_ticket == {a: ("2026-10", "D01", Decimal("55.00")), b: ("2026-11", "D01", Decimal("40.00")),
                              c: ("2026-11", "D02", Decimal("27.50"))}
        by_dept_month = {r["group"]: (r["tickets"], r["parts_cost"], r["labour_cost"], r["total"], r["per_ticket"])
                         for r in cost_summary(s, period, TZ, "department_month")}
        assert by_dept_month == {"D01 2026-10": (1, "25.00", "30.00", "55.00", "55.00"),
                                 "D01 2026-11": (1, "0.00", "40.00", "40.00", "40.00"),
                                 "D02 2026-11": (1, "12.50", "15.00", "27.50", "27.50")}
        by_dept = cost_summary(s, period, TZ, "department")
        assert [(r["group"], r["department_name"], r["total"]) for r in by_dept] == [
            ("D01", "心内科", "95.00"), ("D02", "ICU", "27.50")]
        assert totals(by_dept) == {"tickets": 3, "parts_cost": "37.50", "labour_cost": "85.00",
                                   "labour_s": 75 * 60, "labour_hours": 1.3, "total": "122.50", "per_ticket": "40.83"}
        november = Period.days(date(2026, 11, 1), date(2026, 11, 30), TZ)
        assert [r["group"] for r in cost_summary(s, november, TZ, "month")] == ["2026-11"]
        with pytest.raises(CostQueryError, match="group_by must be one of"):
            cost_summary(s, period, TZ, "worker")


def test_a_worker_offered_but_never_accepting_books_no_labour(costed: TicketService, store: Store,
                                                              clock: FixedClock) -> None:
    t = costed.accept("li", NewTicket(service_type="repair", description="修", location_code="10305"))
    costed.dispatch("li", t.id, ["W001", "W002"], print_slip=False)
    clock.advance(minutes=5)
    costed.worker_accept("sms:W002", t.id, "W002")
    clock.advance(minutes=6)
    costed.complete("sms:W002", t.id)
    with store.session() as s:
        booked = dict(s.execute(select(Assignment.staff_code, Assignment.labour_s)).all())
    assert booked == {"W001": None, "W002": 6 * 60}
