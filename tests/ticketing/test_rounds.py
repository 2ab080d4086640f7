"""Inspection rounds: the checklist of a plan's ticket is filled in item by item (ok, not ok,
a note), an item that is not ok can raise a repair ticket for the same place, and the round
completes the ticket only when every item is checked — each step audited on the ticket. The
rule is the core's: the desk's plain 办结 and the worker's SMS 完成 are refused too (the worker
is told how many items are open), and only a supervisor's reason closes a round unfinished."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ticketing.fakes import FixedClock, PlainComposer
from ticketing.maintenance import Maintenance
from ticketing.model import AuditLog, SmsIn, Ticket
from ticketing.model_facilities import Equipment
from ticketing.rounds import ItemResult, RoundError, RoundOpen
from ticketing.service import NewTicket, TicketService, WorkerReply
from ticketing.store import Store

from .factories import small_hospital

ITEMS = ["检查空调滤网", "检查冷凝水管", "检查遥控器"]


@pytest.fixture
def round_ticket(store: Store, service: TicketService) -> tuple[Maintenance, int]:
    small_hospital(store)
    with store.session() as s:
        s.add(Equipment(code="AC-1", name="病房空调", type="空调", location_code="10306"))
    m = Maintenance(service)
    m.create_plan("lead", {"code": "IR-1", "name": "病房巡检", "kind": "inspection",
                           "location_code": "10306", "unit": "day", "checklist": ITEMS})
    [made] = m.sweep()
    return m, made.ticket_id


def test_a_round_records_each_item_raises_a_repair_and_completes(store: Store, service: TicketService,
                                                                 round_ticket: tuple[Maintenance, int]) -> None:
    m, ticket_id = round_ticket
    view = m.round(ticket_id)
    assert view is not None and [i["item"] for i in view["items"]] == ITEMS
    assert all(i["ok"] is None for i in view["items"])
    partial = m.record_round("W001", ticket_id, [ItemResult(1, True)], complete=False)
    assert [i["ok"] for i in partial["items"]] == [True, None, None]
    assert service.get(ticket_id).status == "accepted"
    done = m.record_round("W001", ticket_id, [
        ItemResult(2, False, "冷凝水管漏水", repair=True), ItemResult(3, True, "电池已换")],
        complete=True, note="巡检完成")
    items = done["items"]
    assert [(i["ok"], i["note"]) for i in items] == [(True, ""), (False, "冷凝水管漏水"), (True, "电池已换")]
    repair_id = items[1]["repair_ticket"]
    assert repair_id and items[0]["repair_ticket"] is None and done["checked_by"] == "W001"
    repair = service.get(repair_id)
    assert (repair.service_type, repair.location_code, repair.status) == ("repair", "10306", "accepted")
    assert "检查冷凝水管" in repair.description and "冷凝水管漏水" in repair.description
    assert f"#{ticket_id}" in repair.description
    t = service.get(ticket_id)
    assert t.status == "done"
    steps = [(e.action, e.actor) for e in t.timeline]
    assert steps == [("accept", "system"), ("checklist", "W001"), ("checklist", "W001"), ("complete", "W001")]
    assert t.timeline[2].note == f"2 ok, 1 not ok of 3; repair #{repair_id}"
    with store.session() as s:
        assert s.scalar(select(Ticket.source).where(Ticket.id == repair_id)) == "desk"


def test_a_round_is_completed_only_with_every_item_checked(round_ticket: tuple[Maintenance, int],
                                                           service: TicketService) -> None:
    m, ticket_id = round_ticket
    with pytest.raises(RoundOpen, match=r"2 of 3 checklist items are not checked \(items 2, 3\)"):
        m.record_round("W001", ticket_id, [ItemResult(1, True)], complete=True)
    assert service.get(ticket_id).status == "accepted"
    assert m.round(ticket_id)["items"][0]["ok"] is None  # type: ignore[index]  # nothing written


@pytest.mark.parametrize(("results", "words"), [
    ([ItemResult(4, True)], "item 4: the checklist has 3 items"),
    ([ItemResult(1, True), ItemResult(1, False)], "item 1: given twice"),
    ([ItemResult(1, True, repair=True)], "item 1: a repair is raised only for an item that is not ok"),
    ([ItemResult(2, False, "x" * 501)], "item 2: the note is longer than 500"),
])
def test_bad_results_name_the_item(round_ticket: tuple[Maintenance, int], results: list[ItemResult],
                                   words: str) -> None:
    m, ticket_id = round_ticket
    with pytest.raises(RoundError, match=words):
        m.record_round("W001", ticket_id, results, complete=False)


def test_a_closed_round_or_a_ticket_without_a_checklist_is_refused(
        round_ticket: tuple[Maintenance, int], service: TicketService) -> None:
    m, ticket_id = round_ticket
    m.record_round("W001", ticket_id, [ItemResult(i, True) for i in (1, 2, 3)], complete=True)
    with pytest.raises(RoundError, match="is done"):
        m.record_round("W001", ticket_id, [ItemResult(1, False)], complete=False)
    other = service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
    with pytest.raises(RoundError, match="has no checklist"):
        m.record_round("li", other.id, [ItemResult(1, True)], complete=False)


# --- every way a ticket is done obeys the round (ticketing/commands/round_check.py) -----------

def test_the_desks_plain_complete_of_a_round_is_refused_until_every_item_is_checked(
        store: Store, service: TicketService, round_ticket: tuple[Maintenance, int]) -> None:
    m, ticket_id = round_ticket
    m.record_round("W001", ticket_id, [ItemResult(2, False, "漏水")], complete=False)
    with pytest.raises(RoundOpen) as refused:
        service.complete("li", ticket_id, note="电话确认已完成")
    assert (refused.value.open_items, refused.value.total) == ([1, 3], 3)
    assert refused.value.key == "err:round_open"
    assert refused.value.params == {"id": ticket_id, "n": 2, "total": 3, "items": "1, 3"}
    assert service.get(ticket_id).status == "accepted"
    m.record_round("W001", ticket_id, [ItemResult(1, True), ItemResult(3, True)], complete=False)
    done = service.complete("li", ticket_id, note="电话确认已完成")
    assert done.status == "done"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "round_override")) == 0


def test_a_workers_sms_done_of_a_round_is_refused_and_answered_with_what_is_open(
        store: Store, service: TicketService, composer: PlainComposer, clock: FixedClock,
        round_ticket: tuple[Maintenance, int]) -> None:
    m, ticket_id = round_ticket
    service.dispatch("li", ticket_id, ["W001"], print_slip=False)
    m.record_round("sms:W001", ticket_id, [ItemResult(1, True)], complete=False)
    out = service.handle_inbound_sms("m1", "13800000001", f"完成 {ticket_id}", WorkerReply("done", ticket_id),
                                     clock.now())
    assert out.outcome == "rejected" and "2 of 3 checklist items are not checked" in out.reason
    assert service.get(ticket_id).status == "dispatched"
    template, _language, data = composer.rendered[-1]
    assert template == "explain"
    assert (data["why"], data["open"], data["total"], data["ticket_id"], data["worker_code"]) == (
        "round_open", 2, 3, ticket_id, "W001")
    assert "link" not in data  # this center hands out no links (tests/modem: the text with one)
    with store.session() as s:
        assert s.scalar(select(SmsIn.outcome).where(SmsIn.ticket_id == ticket_id)) == "rejected"
    m.record_round("sms:W001", ticket_id, [ItemResult(2, True), ItemResult(3, True)], complete=False)
    clock.advance(minutes=5)
    again = service.handle_inbound_sms("m1", "13800000001", f"完成 {ticket_id}", WorkerReply("done", ticket_id),
                                       clock.now())
    assert again.outcome == "acted" and service.get(ticket_id).status == "done"


def test_a_supervisor_closes_an_unfinished_round_with_a_reason_on_record(
        store: Store, service: TicketService, round_ticket: tuple[Maintenance, int]) -> None:
    m, ticket_id = round_ticket
    with pytest.raises(RoundError, match="reason: 4 to 500 characters"):
        m.record_round("lead", ticket_id, [ItemResult(1, True)], complete=True, override=" 锁 ")
    assert service.get(ticket_id).status == "accepted"
    view = m.record_round("lead", ticket_id, [ItemResult(1, True)], complete=True,
                          override="配电间上锁，钥匙在保卫处")
    assert [i["ok"] for i in view["items"]] == [True, None, None]  # the rest stay not checked
    t = service.get(ticket_id)
    assert t.status == "done"
    assert [e.action for e in t.timeline] == ["accept", "checklist", "round_override", "complete"]
    with store.session() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "round_override")).one()
    assert (row.actor, row.entity_key, row.after) == (
        "lead", str(ticket_id), {"unchecked": [2, 3], "note": "配电间上锁，钥匙在保卫处"})


def test_an_override_on_a_finished_round_or_another_ticket_changes_nothing(
        store: Store, service: TicketService, round_ticket: tuple[Maintenance, int]) -> None:
    m, ticket_id = round_ticket
    m.record_round("lead", ticket_id, [ItemResult(i, True) for i in (1, 2, 3)], complete=True,
                   override="not needed here")
    plain = service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
    assert service.complete("li", plain.id).status == "done"  # no checklist: nothing to check
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "round_override")) == 0
