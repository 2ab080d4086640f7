from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ticketing import search
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.context import caller_context
from ticketing.fakes import FixedClock
from ticketing.model import (
    AuditLog,
    DailyStat,
    Location,
    PhoneEntry,
    Staff,
    Ticket,
    TicketSearch,
    User,
)
from ticketing.passwords import verify_password
from ticketing.seed import (
    DEMO_USERS,
    build_hospital,
    bulk_tickets,
    seed_hospital,
    tickets_via_service,
)
from ticketing.service import NewTicket, TicketService, suggest_workers
from ticketing.stats import COUNTERS
from ticketing.store import Store

WEEK = date(2026, 11, 23)


@pytest.fixture
def seeded(store: Store) -> Store:
    seed_hospital(store, demo_users=True, menu_start=WEEK)
    return store


def test_the_sample_is_deterministic_and_of_hospital_size() -> None:
    a, b = build_hospital(menu_start=WEEK), build_hospital(menu_start=WEEK)
    assert a == b
    assert len(a.locations) == 4000 and len(a.parts) == 2000
    assert 55 <= len(a.org_units) <= 75 and 310 <= len(a.staff) <= 360
    # this week's menus and next week's (a Sunday evening's order is for Monday)
    assert {r["menu_date"] for r in a.menus} == {WEEK + timedelta(days=i) for i in range(14)}
    assert len(a.menus) == 14 * 3 * 5  # every day three meals of five dishes
    codes = [r["code"] for r in a.locations]
    assert len(set(codes)) == 4000 and all(c.isdigit() and len(c) == 5 for c in codes)
    buildings = {r["building"] for r in a.locations}
    assert {"门诊楼", "住院部A", "住院部B", "医技楼", "行政楼"} <= buildings
    assert build_hospital(seed=7, menu_start=WEEK).staff != a.staff


def test_staff_has_teams_skills_shifts_and_roles() -> None:
    staff = build_hospital(menu_start=WEEK).staff
    roles = Counter(r["role"] for r in staff)
    assert roles["manager"] == 1 and roles["lead"] >= 5 and roles["operator"] >= 10
    skills = {sk for r in staff if r["role"] == "worker" for sk in r["skills"].split(",")}
    assert {"repair", "cleaning", "oxygen", "transport", "meals"} <= skills
    assert {r["shift"] for r in staff if r["role"] == "worker"} >= {"day", "night"}
    phones = [r["phone"] for r in staff]
    assert len(set(phones)) == len(phones) and all(len(p) == 11 for p in phones)


def test_seeding_writes_everything_and_twice_changes_nothing(seeded: Store) -> None:
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(Location)) == 4000
        audits = s.scalar(select(func.count()).select_from(AuditLog))
    again = seed_hospital(seeded, demo_users=True, menu_start=WEEK)
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    assert again.users == []
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audits


def test_phone_directory_knows_the_recorded_callers(seeded: Store) -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    with seeded.session() as s:
        zhang = caller_context(s, "6123", now)
        ward = caller_context(s, "6240", now)
        assert zhang.person == "张护士" and zhang.location["building"] == "住院部A"
        assert ward.location["building"] == "住院部B" and ward.location["floor"] == "3"
        assert "3B病区" in ward.department
        for n in ("6100", "6101", "6102", "6103", "6104", "6105", "6410", "8000"):
            assert caller_context(s, n, now).known, n
        vip = {e.person for e in s.scalars(select(PhoneEntry).where(PhoneEntry.vip.is_(True)))}
        assert "ICU护士站" in vip and "手术室1" in vip
        # every reference in the directory resolves
        bad = s.scalar(select(func.count()).select_from(PhoneEntry)
                       .outerjoin(Location, Location.code == PhoneEntry.location_code)
                       .where(Location.id.is_(None)))
        assert bad == 0


def test_demo_users_log_in_with_demo_and_plain_seed_makes_only_an_admin(seeded: Store,
                                                                       db_url: str) -> None:
    with seeded.session() as s:
        users = {u.username: u for u in s.scalars(select(User))}
    assert set(users) == {u for u, *_ in DEMO_USERS}
    assert users["li"].role == "operator" and users["manager"].role == "manager"
    assert verify_password("demo", users["viewer"].password_hash)
    assert users["li"].password_hash != users["wang"].password_hash  # each its own salt


def test_plain_seed_creates_an_admin_with_a_random_password(store: Store) -> None:
    report = seed_hospital(store, menu_start=WEEK)
    assert report.users == ["admin"] and len(report.admin_password) >= 12
    with store.session() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
    assert verify_password(report.admin_password, admin.password_hash)
    assert not verify_password("demo", admin.password_hash)
    assert seed_hospital(store, menu_start=WEEK).admin_password == ""


def test_seeded_hospital_runs_a_ticket(seeded: Store, catalog: Catalog,
                                       calendar: BusinessCalendar) -> None:
    from ticketing.fakes import PlainComposer

    service = TicketService(seeded, FixedClock(), catalog, calendar, PlainComposer())
    with seeded.session() as s:
        worker = suggest_workers(s, "oxygen", limit=1)[0].code
    t = service.accept("li", NewTicket(service_type="oxygen", location_code="20305",
                                       reporter_phone="6123"))
    assert t.org_code.startswith("WA") and t.priority == "urgent"
    assert service.dispatch("li", t.id, [worker]).status == "dispatched"


def test_bulk_tickets_match_their_rollup(seeded: Store, catalog: Catalog,
                                         calendar: BusinessCalendar) -> None:
    end = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert bulk_tickets(seeded, 3000, 60, catalog, calendar, end=end, chunk=1000) == 3000
    with seeded.session() as s:
        sums = dict(zip(COUNTERS, s.execute(select(*[func.sum(getattr(DailyStat, c))
                                                     for c in COUNTERS])).one(), strict=True))
        t = Ticket
        facts = s.execute(select(
            func.count(), func.count(t.done_at), func.count(t.response_s),
            func.coalesce(func.sum(t.response_s), 0), func.count(t.satisfaction),
            func.coalesce(func.sum(t.satisfaction), 0), func.min(t.created_at),
            func.max(t.created_at))).one()
        statuses = Counter(s.scalars(select(Ticket.status)))
        staff = set(s.scalars(select(Staff.code)))
        assignees = set(s.scalars(select(Ticket.assignee).distinct()))
    assert (sums["created"], sums["done"], sums["response_n"], sums["response_sum_s"],
            sums["satisfaction_n"], sums["satisfaction_sum"]) == tuple(facts[:6])
    assert facts[6] >= end.replace(month=9) and facts[7] < end
    assert statuses["done"] + statuses["called_back"] + statuses["assessed"] > 2500
    assert statuses["cancelled"] > 0 and assignees <= staff
    # a second batch continues the ids and adds to the same rollup rows
    bulk_tickets(seeded, 500, 60, catalog, calendar, end=end, seed=2)
    with seeded.session() as s:
        assert s.scalar(select(func.sum(DailyStat.created))) == 3500
        assert s.scalar(select(func.max(Ticket.id))) == 3500
        # each has its search document: found by its place, as one the commands wrote
        assert s.scalar(select(func.count(TicketSearch.ticket_id.distinct()))) == 3500
        code, building = s.execute(select(Location.code, Location.building)
                                   .join(Ticket, Ticket.location_code == Location.code).limit(1)).one()
        at_code = set(s.scalars(select(Ticket.id).where(Ticket.location_code == code)))
        assert at_code <= set(search.search(s, f"{code} {building}", limit=5000).ids)


def test_tickets_through_the_commands_each_have_their_timeline(seeded: Store, catalog: Catalog,
                                                               calendar: BusinessCalendar) -> None:
    from ticketing.fakes import PlainComposer

    clock = FixedClock()
    service = TicketService(seeded, clock, catalog, calendar, PlainComposer())
    end = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    assert tickets_via_service(service, clock, 60, 3, end=end) == 60
    with seeded.session() as s:
        tickets = s.scalars(select(Ticket)).all()
        created = s.scalars(select(AuditLog.entity_key).where(AuditLog.entity == "ticket",
                                                               AuditLog.action == "create")).all()
    assert sorted(created, key=int) == [str(t.id) for t in sorted(tickets, key=lambda t: t.id)]
    types = Counter(t.service_type for t in tickets)
    # meal orders need dishes from their day's menu: the sample's week of menus does not cover it
    assert len(tickets) == 60 and "meals" not in types and len(types) >= 4
    assert all(end - timedelta(days=3) <= t.created_at < end for t in tickets)
    assert any(t.status == "done" for t in tickets) and any(t.dispatched_at for t in tickets)
