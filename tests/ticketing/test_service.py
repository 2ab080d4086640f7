from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ticketing.audit import history
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.lifecycle import IllegalTransition
from ticketing.model import AuditLog, PrintJob, SmsOut, SparePart, SurveyCall
from ticketing.service import NewTicket, TicketError, TicketNotFound, TicketService, WorkerReply
from ticketing.store import Store

from .factories import small_hospital


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)


def repair(**kw: object) -> NewTicket:
    base = dict(service_type="repair", description="灯不亮", location_code="10305",
                reporter_name="张护士", reporter_phone="6123")
    base.update(kw)
    return NewTicket(**base)  # type: ignore[arg-type]


def test_accept_sets_owner_deadlines_and_department(service: TicketService, clock: FixedClock) -> None:
    t = service.accept("li", repair())
    assert (t.status, t.operator, t.org_code) == ("accepted", "li", "D01")
    assert (t.response_due - clock.now()).total_seconds() == 30 * 60
    assert (t.completion_due - clock.now()).total_seconds() == 240 * 60


def test_full_lifecycle_writes_events_audit_and_outbox(service: TicketService, store: Store,
                                                       clock: FixedClock) -> None:
    t = service.accept("li", repair(call_uniqueid="1795487664.5"))
    service.dispatch("li", t.id, ["W001"])
    clock.advance(minutes=5)
    service.worker_accept("sms:W001", t.id, "W001")
    clock.advance(minutes=10)
    service.start("sms:W001", t.id, "W001")
    clock.advance(minutes=20)
    done = service.complete("sms:W001", t.id, parts=[("P0001", 2)])
    assert done.status == "done" and service.get(t.id).parts == (("P0001", 2),)
    cb = service.record_callback("li", t.id, 5, "很满意")
    final = service.assess("manager", t.id, "合格")
    assert final.status == "assessed" and cb.satisfaction == 5
    assert service.get(t.id).calls == ("1795487664.5",)
    steps = service.get(t.id).timeline
    assert [e.action for e in steps] == ["accept", "dispatch", "worker_accept", "start", "complete",
                                         "callback", "assess"]
    assert [(e.from_status, e.to_status) for e in steps][:4] == [
        ("", "accepted"), ("accepted", "dispatched"), ("dispatched", "dispatched"),
        ("dispatched", "in_progress")]
    assert steps[-2].note == "score 5 via operator" and steps[-1].note == "合格"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SmsOut)) == 1
        assert s.scalar(select(func.count()).select_from(PrintJob)) == 1
        assert s.scalar(select(SparePart.stock).where(SparePart.code == "P0001")) == 8
        survey = s.scalar(select(SurveyCall))
        assert survey.status == "done" and survey.number == "6123"
        statuses = [a.after.get("status") for a in history(s, "ticket", t.id) if a.after]
        assert statuses[-1] == "assessed"


def test_response_and_completion_are_measured_against_limits(service: TicketService,
                                                             clock: FixedClock) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    clock.advance(minutes=45)
    v = service.worker_accept("sms:W001", t.id, "W001")
    clock.advance(minutes=10)
    v = service.complete("sms:W001", t.id)
    got = service.get(t.id)
    assert got.worker_accepted_at is not None and got.done_at is not None
    assert v.status == "done"


def test_illegal_transitions_are_refused_and_change_nothing(service: TicketService, store: Store) -> None:
    t = service.accept("li", repair())
    with pytest.raises(IllegalTransition):
        service.start("li", t.id)
    with pytest.raises(IllegalTransition):
        service.record_callback("li", t.id, 4)
    service.cancel("li", t.id, "duplicate call")
    with pytest.raises(IllegalTransition):
        service.dispatch("li", t.id, ["W001"])
    assert service.get(t.id).status == "cancelled"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SmsOut)) == 0


def test_bad_input_is_refused_with_a_reason(service: TicketService) -> None:
    with pytest.raises(TicketError, match="unknown location code"):
        service.accept("li", repair(location_code="99999"))
    with pytest.raises(TicketError, match="unknown service type"):
        service.accept("li", repair(service_type="laundry"))
    with pytest.raises(TicketNotFound):
        service.get(4242)
    t = service.accept("li", repair())
    with pytest.raises(TicketError, match="unknown or inactive worker"):
        service.dispatch("li", t.id, ["NOBODY"])
    with pytest.raises(TicketError, match="1..5"):
        service.record_callback("li", t.id, 9)


def test_oxygen_is_always_urgent(service: TicketService) -> None:
    t = service.accept("li", NewTicket(service_type="oxygen", location_code="20101"))
    assert t.priority == "urgent"


def test_reopen_merge_and_release(service: TicketService) -> None:
    a = service.accept("li", repair())
    b = service.accept("wang", repair(description="同一个灯", call_uniqueid="c-2"))
    merged = service.merge("wang", b.id, a.id)
    assert merged.status == "merged" and merged.merged_into == a.id
    assert "c-2" in service.get(a.id).calls
    service.dispatch("li", a.id, ["W001", "W002"], print_slip=False)
    v = service.release("sms:W001", a.id, "W001", "缺配件")
    assert v.status == "dispatched" and v.assignee == "W002"
    v = service.release("sms:W002", a.id, "W002", "不在班")
    assert v.status == "accepted" and v.assignee == ""
    service.complete("li", a.id, note="电话指导解决")
    again = service.reopen("li", a.id, "又坏了")
    assert again.status == "accepted" and again.reopen_count == 1 and again.done_at is None


def test_edit_is_audited_before_and_after(service: TicketService, store: Store) -> None:
    t = service.accept("li", repair())
    service.edit("wang", t.id, description="两盏灯不亮", priority="urgent")
    with store.session() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "edit")).one()
        assert row.actor == "wang"
        assert row.before["description"] == "灯不亮" and row.after["description"] == "两盏灯不亮"
        assert row.before["priority"] == "normal"


def test_worker_reply_moves_the_ticket_and_is_confirmed(service: TicketService, store: Store,
                                                        composer: PlainComposer, clock: FixedClock) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    out = service.handle_inbound_sms("m1", "+86 138-0000-0001", "接单 1", WorkerReply("accept", t.id),
                                     clock.now())
    assert out.outcome == "acted"
    assert service.get(t.id).worker_accepted_at is not None
    # the same SMS read twice (SIM sweep after a restart) is not acted on again
    again = service.handle_inbound_sms("m1", "+86 138-0000-0001", "接单 1", WorkerReply("accept", t.id),
                                       clock.now())
    assert again.outcome == "duplicate"
    done = service.handle_inbound_sms("m1", "13800000001", "完成 1 配件 P0001x1",
                                      WorkerReply("done", t.id, parts=(("P0001", 1),)), clock.now())
    assert done.outcome == "acted" and service.get(t.id).status == "done"
    kinds = [c[0] for c in composer.rendered]
    assert kinds == ["work_order", "confirm", "confirm"]


def test_replies_that_may_not_act_are_stored_and_do_nothing(service: TicketService, store: Store,
                                                             composer: PlainComposer, clock: FixedClock) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    now = clock.now()
    stranger = service.handle_inbound_sms("m1", "13912345678", "完成 1", WorkerReply("done", t.id), now)
    other = service.handle_inbound_sms("m1", "13800000002", "完成 1", WorkerReply("done", t.id), now)
    garbage = service.handle_inbound_sms("m1", "13800000001", "好的收到", None, now, "no ticket number")
    unknown = service.handle_inbound_sms("m1", "13800000001", "接单 999", WorkerReply("accept", 999), now)
    assert [o.outcome for o in (stranger, other, garbage, unknown)] == ["rejected"] * 4
    assert stranger.reason == "unknown sender"
    assert service.get(t.id).status == "dispatched"
    explained = [c[1]["why"] for c in ((c[0], c[2]) for c in composer.rendered) if c[0] == "explain"]
    assert explained == ["not_assigned", "unreadable", "unknown_ticket"]


def test_a_reply_to_a_closed_ticket_is_explained_not_acted(service: TicketService,
                                                           clock: FixedClock) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    service.complete("li", t.id)
    out = service.handle_inbound_sms("m1", "13800000001", "完成 1", WorkerReply("done", t.id), clock.now())
    assert out.outcome == "rejected"


def test_escalation_resends_then_offers_next_worker_then_tells_the_lead(
        service: TicketService, clock: FixedClock, composer: PlainComposer) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    clock.advance(minutes=31)
    assert service.sweep_overdue() == [t.id]
    assert service.sweep_overdue() == []  # one step per interval
    clock.advance(minutes=5)
    assert service.sweep_overdue() == [t.id]
    assert [w for w, _ in service.get(t.id).workers] == ["W001", "W002"]
    clock.advance(minutes=5)
    service.sweep_overdue()
    sent = [(c[0], c[2].get("worker_code")) for c in composer.rendered]
    assert sent == [("work_order", "W001"), ("work_order", "W001"), ("work_order", "W002"),
                    ("escalation", "L001")]
    assert service.get(t.id).escalation_level == 3


def test_completion_breach_is_raised_once(service: TicketService, clock: FixedClock,
                                          composer: PlainComposer) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    service.worker_accept("sms:W001", t.id, "W001")
    clock.advance(hours=5)
    assert service.sweep_overdue() == [t.id]
    assert service.sweep_overdue() == []
    assert [c[0] for c in composer.rendered].count("escalation") == 1


def test_slip_snapshot_has_what_the_slip_prints(service: TicketService, store: Store) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"])
    with store.session() as s:
        snap = s.scalar(select(PrintJob.snapshot))
    assert snap["ticket_id"] == t.id and snap["service_name"] == "维修"
    assert snap["location"]["room"] == "305" and snap["workers"][0]["name"] == "王师傅"
    assert snap["reporter"]["org"] == "心内科"


@pytest.mark.parametrize(("given", "org"), [
    (dict(org_code="D02"), "ICU"),  # the reporter's department, not the room's
    (dict(location_code="", org_code="D02"), "ICU"),  # no location: the department alone
    (dict(location_code=""), ""),
])
def test_slip_and_work_order_name_the_reporters_department(
        service: TicketService, store: Store, composer: PlainComposer,
        given: dict[str, str], org: str) -> None:
    t = service.accept("li", repair(**given))
    service.dispatch("li", t.id, ["W001"])
    with store.session() as s:
        snap = s.scalar(select(PrintJob.snapshot).where(PrintJob.ticket_id == t.id))
    assert snap["reporter"]["org"] == org
    assert composer.rendered[-1][2]["department"] == org
    assert snap["location"]["room"] == ("" if given.get("location_code") == "" else "305")


def test_work_order_times_are_local_month_day_hour_minute(service: TicketService, clock: FixedClock,
                                                         composer: PlainComposer) -> None:
    t = service.accept("li", repair())
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    data = composer.rendered[-1][2]
    for key in ("response_due", "completion_due"):
        due = getattr(service.get(t.id), key)
        assert data[f"{key}_local"] == due.astimezone(service.calendar.tz).strftime("%m-%d %H:%M")
