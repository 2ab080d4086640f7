"""Maintenance plans make exactly one ticket per due date: on time, across restarts, with
sweepers racing in threads and (on PostgreSQL) on two connections, and after downtime once for
each missed date; plans are checked and audited; late work is listed for the board.

The clock starts on Monday 2026-11-23 at 09:00 in Shanghai (01:00 UTC); plans make their
tickets from 07:00 local on the due date (less the plan's lead days), due by the end of the due
date (plus its grace days)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ticketing.audit import history
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.maintenance import Maintenance, MaintenanceError
from ticketing.model import SmsOut, Ticket
from ticketing.model_facilities import Equipment, MaintenancePlan, MaintenanceRun
from ticketing.service import TicketService
from ticketing.store import Store
from ticketing.tx import Record, Tx

from ..conftest import PG_URL
from .factories import small_hospital

D = date.fromisoformat


def _utc(local: str) -> datetime:
    """A Shanghai wall-clock time (UTC+8, no summer time) in UTC."""
    return datetime.fromisoformat(local).replace(tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def plant(store: Store) -> Store:
    small_hospital(store)
    with store.session() as s:
        s.add_all([
            Equipment(code="AC-0305", name="护士站空调", type="空调", location_code="10305"),
            Equipment(code="AC-0306", name="病房空调", type="空调", location_code="10306"),
            Equipment(code="O2-0306", name="供氧终端", type="供氧", location_code="10306"),
            Equipment(code="OLD-1", name="旧空调", type="空调", location_code="10306", status="scrapped"),
        ])
    return store


@pytest.fixture
def maint(plant: Store, service: TicketService) -> Maintenance:
    return Maintenance(service)


def _plan(m: Maintenance, code: str = "PM-1", **values: Any) -> dict[str, Any]:
    base = {"code": code, "name": "空调周保养", "equipment_code": "AC-0305", "unit": "week",
            "every": 1, "start_date": "2026-11-23", "checklist": ["清洗滤网", "检查冷凝水"]}
    return m.create_plan("lead", base | values)


def _tickets(store: Store) -> list[Ticket]:
    with store.session() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def _runs(store: Store) -> list[tuple[str, str, int | None]]:
    with store.session() as s:
        rows = s.execute(select(MaintenancePlan.code, MaintenanceRun.due_date, MaintenanceRun.ticket_id)
                         .join(MaintenancePlan, MaintenancePlan.id == MaintenanceRun.plan_id)
                         .order_by(MaintenanceRun.plan_id, MaintenanceRun.due_date)).all()
    return [(c, d.isoformat(), t) for c, d, t in rows]


def test_a_due_plan_makes_its_ticket_once_and_the_next_week_again(plant: Store, maint: Maintenance,
                                                                  clock: FixedClock) -> None:
    _plan(maint)
    made = maint.sweep()
    assert [(c.plan_code, c.due_date.isoformat()) for c in made] == [("PM-1", "2026-11-23")]
    assert maint.sweep() == []
    [t] = _tickets(plant)
    assert (t.service_type, t.source, t.location_code, t.org_code, t.status, t.operator) == (
        "maintenance", "plan", "10305", "D01", "accepted", "system")
    assert t.completion_due == _utc("2026-11-24 00:00")  # the end of the due date
    assert t.response_due <= t.completion_due
    assert "PM-1" in t.description and "AC-0305 护士站空调" in t.description
    assert "1. 清洗滤网 2. 检查冷凝水" in t.description  # the worker has the checklist in hand
    clock.advance(days=6, hours=21)  # Monday 2026-11-30 06:00: before 07:00, not yet
    assert maint.sweep() == []
    clock.advance(hours=1)
    assert [c.due_date.isoformat() for c in maint.sweep()] == ["2026-11-30"]
    assert [r[:2] for r in _runs(plant)] == [("PM-1", "2026-11-23"), ("PM-1", "2026-11-30")]
    with plant.session() as s:
        assert [(a.action, a.after.get("due_date")) for a in history(s, "maintenance_plan", "PM-1")] == [
            ("create", None), ("ticket", "2026-11-23"), ("ticket", "2026-11-30")]
        assert [a.action for a in history(s, "ticket", t.id)] == ["create"]


def test_sweepers_racing_make_one_ticket_per_due_date(plant: Store, db_url: str,
                                                      service: TicketService, clock: FixedClock) -> None:
    """Six sweepers, each on its own store (its own connections, as six processes would have),
    all read the plans before any makes a ticket, then each tries every due date."""
    m = Maintenance(service)
    for n in range(4):
        _plan(m, f"PM-{n}", unit="day", start_date="2026-11-20")
    clock.advance(days=2)  # made on the 23rd, they start then: the 23rd, 24th and 25th are ready
    read_all = threading.Barrier(6)
    attempts: list[int | None] = []

    class Racer(Maintenance):
        def _active_plans(self) -> Any:
            found = super()._active_plans()
            read_all.wait(30)  # every sweeper holds the same stale picture
            return found

        def create_due(self, plan_id: int, due: date) -> int | None:
            got = super().create_due(plan_id, due)
            attempts.append(got)
            return got

    stores = [Store(db_url) for _ in range(6)]
    try:
        sweepers = [Racer(TicketService(st, clock, service.catalog, service.calendar, PlainComposer()))
                    for st in stores]
        made = _race([s.sweep for s in sweepers])
    finally:
        for st in stores:
            st.dispose()
    assert len(attempts) == 6 * 12 and sum(a is not None for a in attempts) == 12
    assert sorted((c.plan_code, c.due_date) for batch in made for c in batch) == sorted(
        (f"PM-{n}", D(f"2026-11-{d}")) for n in range(4) for d in (23, 24, 25))
    assert len(_tickets(plant)) == 12
    runs = _runs(plant)
    assert len(runs) == 12 and len({r[2] for r in runs}) == 12


def test_a_second_creator_meets_the_row_and_does_nothing(plant: Store, maint: Maintenance) -> None:
    """A sweeper that read the plans before another made the ticket (a stale read, a restart
    while the first was committing) inserts the same (plan, due date) and nothing happens."""
    _plan(maint)
    plan_id = _plan_id(plant, "PM-1")
    assert maint.create_due(plan_id, D("2026-11-23")) is not None
    assert maint.create_due(plan_id, D("2026-11-23")) is None
    assert len(_tickets(plant)) == 1


def test_a_crash_before_the_commit_leaves_the_due_date_to_the_next_sweep(plant: Store,
                                                                         service: TicketService) -> None:
    class Dies(Maintenance):
        def _open_ticket(self, tx: Tx, plan: Record, due: date) -> Record:
            super()._open_ticket(tx, plan, due)
            raise RuntimeError("killed")  # after the run row and the ticket, before the commit

    _plan(Maintenance(service))
    with pytest.raises(RuntimeError):
        Dies(service).sweep()
    assert _tickets(plant) == [] and _runs(plant) == []
    assert [c.due_date.isoformat() for c in Maintenance(service).sweep()] == ["2026-11-23"]


def test_a_restarted_center_makes_nothing_twice(plant: Store, db_url: str, service: TicketService,
                                                clock: FixedClock) -> None:
    _plan(Maintenance(service), unit="day")
    assert len(Maintenance(service).sweep()) == 1
    plant.dispose()
    again = Store(db_url)  # a new process: its own engine and connections
    try:
        svc = TicketService(again, clock, service.catalog, service.calendar, PlainComposer())
        assert Maintenance(svc).sweep() == []
        clock.advance(days=1)
        assert [c.due_date.isoformat() for c in Maintenance(svc).sweep()] == ["2026-11-24"]
    finally:
        again.dispose()


def test_missed_due_dates_after_downtime_are_made_once_each_and_are_overdue(
        plant: Store, maint: Maintenance, clock: FixedClock) -> None:
    _plan(maint, unit="day")
    maint.sweep()  # the 23rd
    clock.set(_utc("2026-11-26 09:00"))  # the center was down on the 24th and 25th
    missed = maint.overdue()["missed"]
    assert [(p["plan_code"], p["due_date"], p["count"]) for p in missed] == [("PM-1", "2026-11-24", 3)]
    assert [c.due_date.isoformat() for c in maint.sweep()] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    assert maint.sweep() == []
    late = maint.overdue()
    assert late["missed"] == []
    # the 23rd's ticket (due by the 24th 00:00), the 24th's and the 25th's are past due; the
    # 26th's is due tonight
    assert [t["due_date"] for t in late["tickets"]] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert late["tickets_total"] == 3
    assert late["tickets"][1]["completion_due"] == _utc("2026-11-25 00:00").isoformat()


def test_a_ready_ticket_not_made_in_time_shows_as_missed(maint: Maintenance, clock: FixedClock) -> None:
    clock.set(_utc("2026-11-23 06:00"))
    _plan(maint)
    clock.set(_utc("2026-11-23 07:10"))
    assert maint.overdue()["missed"] == []  # ready since 07:00: a sweeper has 15 minutes
    clock.set(_utc("2026-11-23 07:20"))
    assert [p["due_date"] for p in maint.overdue()["missed"]] == ["2026-11-23"]


def test_lead_and_grace_days(plant: Store, maint: Maintenance) -> None:
    _plan(maint, start_date="2026-11-30", lead_days=7, grace_days=2)
    assert [c.due_date.isoformat() for c in maint.sweep()] == ["2026-11-30"]  # a week early
    [t] = _tickets(plant)
    assert t.completion_due == _utc("2026-12-03 00:00")


def test_old_dates_are_never_made_and_reactivation_starts_today(plant: Store, maint: Maintenance,
                                                                clock: FixedClock) -> None:
    plan = _plan(maint, unit="month", start_date="2026-01-01")
    assert (plan["active_from"], plan["first_due"]) == ("2026-11-23", "2026-12-01")
    assert maint.sweep() == []
    maint.update_plan("lead", "PM-1", {"active": False})
    clock.set(_utc("2027-02-15 09:00"))
    assert maint.sweep() == [] and maint.overdue()["missed"] == []
    plan = maint.update_plan("manager", "PM-1", {"active": True})
    assert plan["first_due"] == "2027-03-01"
    clock.set(_utc("2027-03-01 08:00"))
    assert [c.due_date.isoformat() for c in maint.sweep()] == ["2027-03-01"]
    with plant.session() as s:
        edits = [a for a in history(s, "maintenance_plan", "PM-1") if a.action == "edit"]
    assert [(a.actor, a.before["active"], a.after["active"]) for a in edits] == [
        ("lead", True, False), ("manager", False, True)]


def test_a_location_plan_lists_the_equipment_of_its_type_there(plant: Store, maint: Maintenance) -> None:
    _plan(maint, equipment_code="", location_code="10306", equipment_type="空调", kind="inspection")
    maint.sweep()
    [t] = _tickets(plant)
    assert t.location_code == "10306" and "AC-0306 病房空调" in t.description
    assert "O2-0306" not in t.description and "OLD-1" not in t.description  # other type, scrapped


def test_a_plan_with_a_worker_dispatches_its_ticket(plant: Store, maint: Maintenance) -> None:
    _plan(maint, staff_code="W001")
    maint.sweep()
    [t] = _tickets(plant)
    assert t.status == "dispatched" and t.assignee == "W001"
    with plant.session() as s:
        sms = s.scalars(select(SmsOut).where(SmsOut.ticket_id == t.id)).all()
    assert [(m.kind, m.staff_code) for m in sms] == [("work_order", "W001")]


@pytest.mark.parametrize(("values", "words"), [
    ({"code": "bad code"}, "code: "),
    ({"name": ""}, "name: a plan needs a name"),
    ({"equipment_code": "NOPE"}, "equipment_code: unknown equipment"),
    ({"equipment_code": "OLD-1"}, "equipment_code: OLD-1 is scrapped"),
    ({"equipment_code": "", "location_code": ""}, "names a piece of equipment or a location"),
    ({"location_code": "99999"}, "location_code: unknown location"),
    ({"service_type": "laundry"}, "service_type: unknown service type"),
    ({"skill": "juggling"}, "skill: "),
    ({"priority": "asap"}, "priority: "),
    ({"staff_code": "W999"}, "staff_code: "),
    ({"unit": "year"}, "unit: "),
    ({"every": 0}, "every: a whole number from 1 to 366"),
    ({"every": "twice"}, "every: 'twice' is not a whole number"),
    ({"unit": "dates", "dates": []}, "dates: a plan on set dates needs at least one date"),
    ({"unit": "dates", "dates": ["02-30"]}, "dates: date '02-30' does not exist"),
    ({"start_date": "23/11/2026"}, "start_date: "),
    ({"end_date": "2026-01-01"}, "end_date: the end date is before the start date"),
    ({"lead_days": 100}, "lead_days: "),
    ({"kind": "inspection", "checklist": []}, "checklist: an inspection round needs its checklist"),
    ({"checklist": ["x" * 201]}, "checklist: item 1 is longer than 200"),
    ({"colour": "red"}, "unknown plan field(s): colour"),
])
def test_bad_plans_are_refused_naming_the_field(maint: Maintenance, values: dict, words: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(MaintenanceError) as err:
        _plan(maint, **values)
    assert words in str(err.value)


def test_plan_codes_are_unique_and_edits_are_checked(maint: Maintenance) -> None:
    _plan(maint)
    with pytest.raises(MaintenanceError, match="exists"):
        _plan(maint)
    with pytest.raises(MaintenanceError, match="cannot change code"):
        maint.update_plan("lead", "PM-1", {"code": "PM-2"})
    with pytest.raises(MaintenanceError, match="every: "):
        maint.update_plan("lead", "PM-1", {"every": -1})
    with pytest.raises(MaintenanceError, match="no plan"):
        maint.update_plan("lead", "PM-9", {"every": 2})
    assert maint.update_plan("lead", "PM-1", {"every": 2})["every"] == 2


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: two connections")
def test_on_postgresql_the_second_connection_waits_and_then_does_nothing(
        plant: Store, db_url: str, service: TicketService, clock: FixedClock) -> None:
    """Sweeper A has inserted the due date's row and made the ticket but not committed;
    sweeper B, on its own connection, inserts the same row: PostgreSQL makes it wait on A's
    key; A commits; B's insert does nothing and B makes no ticket."""
    _plan(Maintenance(service))
    plan_id = _plan_id(plant, "PM-1")
    inside, release = threading.Event(), threading.Event()

    class Holds(Maintenance):
        def _open_ticket(self, tx: Tx, plan: Record, due: date) -> Record:
            t = super()._open_ticket(tx, plan, due)
            inside.set()
            assert release.wait(30)
            return t

    other = Store(db_url)
    b_svc = TicketService(other, clock, service.catalog, service.calendar, PlainComposer())
    results: dict[str, Any] = {}
    a = threading.Thread(target=lambda: results.setdefault("a", Holds(service).create_due(plan_id, D("2026-11-23"))))
    b = threading.Thread(target=lambda: results.setdefault("b", Maintenance(b_svc).create_due(plan_id, D("2026-11-23"))))
    try:
        a.start()
        assert inside.wait(30)
        b.start()
        _wait_for(lambda: _lock_waits(plant) >= 1)  # B waits on A's uncommitted key
        assert "b" not in results
        release.set()
        a.join(30)
        b.join(30)
    finally:
        release.set()
        other.dispose()
    assert isinstance(results["a"], int) and results["b"] is None
    assert len(_tickets(plant)) == 1


# --- helpers ----------------------------------------------------------------------------------


def _plan_id(store: Store, code: str) -> int:
    with store.session() as s:
        return int(s.scalar(select(MaintenancePlan.id).where(MaintenancePlan.code == code)))


def _race(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run ``jobs`` in threads released together; their results (an exception is raised)."""
    barrier = threading.Barrier(len(jobs))
    out: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = jobs[i]()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return out


def _lock_waits(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").scalar() or 0)


def _wait_for(cond: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        threading.Event().wait(0.02)

