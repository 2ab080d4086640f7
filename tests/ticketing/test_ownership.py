"""首问负责: the operator who accepted a case owns it until it is closed, sees it among their
cases with its due times, hears of its breach, escalation and close, and hands it over only
with a reason; by owner in the statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketing.assessment.figures import owner_figures
from ticketing.audit import history
from ticketing.fakes import FixedClock
from ticketing.model import User
from ticketing.ownership import my_cases, notices
from ticketing.service import NewTicket, TicketError, TicketService
from ticketing.stats import Period
from ticketing.store import Store

from .factories import small_hospital


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)
    with store.session() as s:
        for name, role, active in (("li", "operator", True), ("wang", "operator", True),
                                   ("gone", "operator", False), ("guest", "viewer", True),
                                   ("lead", "lead", True)):
            s.add(User(username=name, display_name=name, role=role, password_hash="x", active=active))


def _new(service: TicketService, owner: str = "li", st: str = "repair") -> int:
    return service.accept(owner, NewTicket(st, "灯不亮", "10305", reporter_phone="6123")).id


def test_my_cases_are_the_open_and_done_ones_overdue_first(service: TicketService, store: Store,
                                                           clock: FixedClock) -> None:
    late = _new(service)
    clock.advance(minutes=20)
    fresh = _new(service)
    done = _new(service)
    service.dispatch("li", done, ["W001"], print_slip=False)
    service.complete("li", done)
    called = _new(service)
    service.complete("li", called)
    service.record_callback("li", called, 5)
    cancelled = _new(service)
    service.cancel("li", cancelled, "重复")
    theirs = _new(service, "wang")
    clock.advance(minutes=15)  # ``late`` is 35 min old: past its 30-minute response limit
    with store.session() as s:
        cases, total = my_cases(s, "li", clock.now())
        page2, _ = my_cases(s, "li", clock.now(), page=2, per_page=2)
    assert [c.id for c in cases] == [late, fresh, done] and total == 3
    assert [c.overdue for c in cases] == [True, False, False]
    assert cases[0].response_due == clock.now() - timedelta(minutes=5)
    assert [c.id for c in page2] == [done]
    assert theirs not in [c.id for c in cases]


def test_handing_over_takes_a_reason_and_is_audited(service: TicketService, store: Store) -> None:
    tid = _new(service)
    with pytest.raises(TicketError, match="takes a reason"):
        service.handover("li", tid, "wang", "  ")
    with pytest.raises(TicketError, match="only its owner or a lead"):
        service.handover("wang", tid, "wang", "我来跟")
    for to, message in (("gone", "not a desk user"), ("guest", "not a desk user"), ("nobody", "not a desk user"),
                        ("li", "already li's case")):
        with pytest.raises(TicketError, match=message):
            service.handover("li", tid, to, "换班")
    view = service.handover("li", tid, "wang", "换班交接")
    assert view.operator == "wang"
    assert service.handover("lead", tid, "li", "王芳请假", supervises=True).operator == "li"
    step = [e for e in service.get(tid).timeline if e.action == "handover"]
    assert [(e.actor, e.note) for e in step] == [("li", "换班交接"), ("lead", "王芳请假")]
    with store.session() as s:
        rows = [r for r in history(s, "ticket", tid) if r.action == "handover"]
    assert [(r.before["operator"], r.after) for r in rows] == [
        ("li", {"operator": "wang", "note": "换班交接"}), ("wang", {"operator": "li", "note": "王芳请假"})]
    service.cancel("li", tid, "撤销")
    with pytest.raises(TicketError, match="cancelled: it has no owner to change"):
        service.handover("li", tid, "wang", "x")


def test_the_owner_hears_of_the_breach_the_escalation_the_close_and_a_case_handed_over(
        service: TicketService, store: Store, clock: FixedClock) -> None:
    breached = _new(service)
    clock.advance(minutes=40)
    assert service.sweep_overdue() == [breached]
    escalated = _new(service)
    service.escalate("lead", escalated, "科室投诉")
    closed = _new(service)
    service.complete("li", closed, note="电话解决")
    given = _new(service, "wang")
    service.handover("wang", given, "li", "换班")
    away = _new(service)
    service.handover("li", away, "wang", "换班")
    service.escalate("lead", away, "x")  # no longer li's: not li's notice
    with store.session() as s:
        mine = [(n.ticket_id, n.kind) for n in notices(s, "li", clock.now())]
        later = notices(s, "li", clock.now() + timedelta(days=4))
    assert mine == [(given, "handed_over"), (closed, "closed"), (escalated, "escalation"),
                    (breached, "breach")]
    assert later == []


def test_statistics_by_owner(service: TicketService, store: Store, clock: FixedClock) -> None:
    clock.set(datetime(2026, 11, 23, 1, tzinfo=UTC))
    a = _new(service)
    service.complete("li", a)
    service.record_callback("li", a, 4)
    _new(service)  # open
    b = _new(service, "wang")
    service.escalate("lead", b, "急")
    clock.advance(hours=5)
    with store.session() as s:
        rows = owner_figures(s, Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
                             clock.now())
    assert rows == [
        {"owner": "li", "cases": 2, "open": 1, "overdue": 1, "done": 1, "escalated": 0, "satisfaction": 4.0},
        {"owner": "wang", "cases": 1, "open": 1, "overdue": 1, "done": 0, "escalated": 1, "satisfaction": None}]
