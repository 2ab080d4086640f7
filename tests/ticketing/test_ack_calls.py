"""The acknowledgement call in the core: one per offer of a service type with ack_call_after,
leased by the AMI part, and what the worker's key or the call's fate does to the ticket."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import ROOT
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import Assignment, AuditLog, SmsOut
from ticketing.model_calls import OutboundCall
from ticketing.outcalls import AckCallQueue
from ticketing.service import NewTicket, TicketService, WorkerReply
from ticketing.store import Store

from .factories import small_hospital

CATALOG = tomllib.loads((ROOT / "config" / "service_catalog.toml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)


def ticket(service: TicketService, kind: str = "repair", workers: tuple[str, ...] = ("W001",)) -> int:
    t = service.accept("li", NewTicket(service_type=kind, location_code="10305", reporter_phone="6123"))
    service.dispatch("li", t.id, list(workers), print_slip=False)
    return t.id


def calls(store: Store) -> list[OutboundCall]:
    with store.session() as s:
        return list(s.scalars(select(OutboundCall).order_by(OutboundCall.id)))


def notes(store: Store, ticket_id: int) -> list[tuple[str, str, str]]:
    with store.session() as s:
        return [(a.action, a.actor, (a.after or {}).get("note", "")) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity == "ticket", AuditLog.entity_key == str(ticket_id))
            .order_by(AuditLog.id))]


def test_one_call_per_offer_due_after_the_types_minutes(service: TicketService, store: Store,
                                                        clock: FixedClock) -> None:
    start = clock.now()
    a = ticket(service, "repair")
    service.dispatch("li", a, ["W001"], print_slip=False)  # the same worker again: no new offer
    b = ticket(service, "transport", ("W002",))
    ticket(service, "operator", ("W003",))  # a type without ack_call_after: no call
    rows = calls(store)
    assert [(r.ticket_id, r.staff_code, r.number, r.status) for r in rows] == [
        (a, "W001", "13800000001", "scheduled"), (b, "W002", "13800000002", "scheduled")]
    for r, kind in zip(rows, ("repair", "transport"), strict=True):
        assert r.due_at == start + timedelta(minutes=CATALOG["types"][kind]["ack_call_after"])
    assert CATALOG["types"]["oxygen"]["ack_call_after"] == 2


def test_due_calls_are_claimed_once_and_an_answered_order_needs_none(
        service: TicketService, store: Store, clock: FixedClock) -> None:
    queue = AckCallQueue(service)
    a = ticket(service)
    b = ticket(service, workers=("W002",))
    service.handle_inbound_sms("m1", "13800000002", f"接单 {b}", WorkerReply("accept", b), clock.now())
    assert queue.claim_due() == []
    clock.advance(minutes=10)
    (due,) = queue.claim_due()
    assert (due.ticket_id, due.staff_code, due.number, due.location_code) == (a, "W001", "13800000001", "10305")
    assert queue.claim_due() == []  # leased
    by_ticket = {r.ticket_id: r for r in calls(store)}
    assert (by_ticket[b].status, by_ticket[b].outcome) == ("cancelled", "not_needed")
    assert by_ticket[b].reason == "order accepted"
    assert by_ticket[a].status == "claimed"


def test_key_1_accepts_as_the_sms_reply_does(service: TicketService, store: Store, clock: FixedClock) -> None:
    queue = AckCallQueue(service)
    a = ticket(service)
    clock.advance(minutes=10)
    (due,) = queue.claim_due()
    queue.mark_dialing(due.id, "ack-1")
    assert service.ack_call_result(due.id, "answered", uniqueid="1796444328.77") == "answered"
    assert service.ack_call_answer(a, "accepted") == "accepted"
    assert service.ack_call_answer(a, "accepted") == "accepted"  # told twice: acted on once
    view = service.get(a)
    assert view.worker_accepted_at == clock.now() and view.workers == (("W001", "accepted"),)
    steps = notes(store, a)
    assert [s for s in steps if s[0] == "worker_accept"] == [("worker_accept", "ivr:W001", "W001")]
    assert ("ack_call", "ivr:W001", "W001: accepted (key 1)") in steps
    (row,) = calls(store)
    assert (row.status, row.outcome, row.uniqueid, row.action_id) == ("done", "accepted", "1796444328.77", "ack-1")


def test_key_2_releases_as_cannot_does(service: TicketService, store: Store, clock: FixedClock) -> None:
    a = ticket(service)
    clock.advance(minutes=10)
    (due,) = AckCallQueue(service).claim_due()
    service.ack_call_result(due.id, "answered")
    assert service.ack_call_answer(a, "declined", call_id=due.id) == "declined"
    view = service.get(a)
    assert view.status == "accepted" and view.workers == (("W001", "released"),)
    with store.session() as s:
        (asg,) = s.scalars(select(Assignment).where(Assignment.ticket_id == a))
    assert asg.reason == "cannot go (acknowledgement call)"


@pytest.mark.parametrize("outcome,reason", [
    ("no_answer", "Reason 3"), ("busy", "Reason 5"), ("congestion", "Reason 8"),
    ("rejected", "Reason 1"), ("failed", "Reason 0"), ("failed", "Extension does not exist."),
])
def test_unanswered_goes_to_the_next_worker_with_its_reason(
        service: TicketService, store: Store, clock: FixedClock, composer: PlainComposer,
        outcome: str, reason: str) -> None:
    a = ticket(service)
    clock.advance(minutes=10)
    (due,) = AckCallQueue(service).claim_due()
    assert service.ack_call_result(due.id, outcome, reason) == "done"
    first, second = calls(store)
    assert (first.outcome, first.reason) == (outcome, reason)
    # W002 is the other repair worker on duty (the factory's hospital): offered by SMS, with
    # a call of its own due ack_call_after minutes from now
    assert service.get(a).workers == (("W001", "offered"), ("W002", "offered"))
    assert [c[2].get("worker_code") for c in composer.rendered if c[0] == "work_order"] == ["W001", "W002"]
    assert (second.staff_code, second.status, second.due_at) == (
        "W002", "scheduled", clock.now() + timedelta(minutes=CATALOG["types"]["repair"]["ack_call_after"]))
    assert ("ack_call", "system", f"W001: {outcome} ({reason}) → offered to W002") in notes(store, a)


def test_nobody_else_on_duty_escalates(service: TicketService, store: Store, clock: FixedClock,
                                       composer: PlainComposer) -> None:
    # oxygen: W004 is the only oxygen worker, and off duty; the lead L001 has the skill
    a = ticket(service, "oxygen", ("W004",))
    clock.advance(minutes=CATALOG["types"]["oxygen"]["ack_call_after"])
    (due,) = AckCallQueue(service).claim_due()
    service.ack_call_result(due.id, "busy", "Reason 5")
    view = service.get(a)
    assert view.escalation_level == 3
    assert [(c[0], c[2].get("worker_code")) for c in composer.rendered if c[0] == "escalation"] == [
        ("escalation", "L001")]
    assert ("ack_call", "system", "W004: busy (Reason 5) → nobody else on duty: escalated") in notes(store, a)


def test_answered_without_a_key_is_unanswered(service: TicketService, store: Store, clock: FixedClock) -> None:
    a = ticket(service)
    clock.advance(minutes=10)
    (due,) = AckCallQueue(service).claim_due()
    service.ack_call_result(due.id, "answered")
    assert service.ack_call_answer(a, "no_key") == "no_key"
    assert [w for w, _ in service.get(a).workers] == ["W001", "W002"]


def test_a_lease_that_runs_out_never_calls_twice(service: TicketService, store: Store, clock: FixedClock) -> None:
    queue = AckCallQueue(service)
    a = ticket(service)
    clock.advance(minutes=10)
    (due,) = queue.claim_due()
    clock.advance(minutes=3)  # claimed, never dialled, the part died: due again
    (again,) = queue.claim_due()
    assert again.id == due.id and again.attempts == 2
    queue.mark_dialing(again.id, "ack-x")
    clock.advance(minutes=11)  # dialled, then silence: not called again, the ticket moves on
    assert [c.staff_code for c in queue.claim_due()] == []
    first = calls(store)[0]
    assert (first.status, first.outcome) == ("done", "failed")
    assert first.reason.startswith("interrupted")
    assert [w for w, _ in service.get(a).workers] == ["W001", "W002"]


def test_sms_after_the_call_went_out_is_still_taken(service: TicketService, store: Store,
                                                    clock: FixedClock) -> None:
    a = ticket(service)
    clock.advance(minutes=10)
    (due,) = AckCallQueue(service).claim_due()
    service.handle_inbound_sms("m1", "13800000001", f"接单 {a}", WorkerReply("accept", a), clock.now())
    service.ack_call_result(due.id, "no_answer", "Reason 3")
    # the order was answered meanwhile: nobody else is offered it
    assert service.get(a).workers == (("W001", "accepted"),)
    with store.session() as s:
        assert s.scalar(select(SmsOut.id).where(SmsOut.staff_code == "W002")) is None
