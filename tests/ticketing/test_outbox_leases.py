"""The outboxes (SMS, print jobs, survey calls, satisfaction campaigns' calls, acknowledgement
calls, webhook deliveries) on the real store.

Nothing is lost when a sender dies: for every outbox, a sender process that claimed rows is
killed with SIGKILL (not stopped: no ``finally`` runs, no lease is given back); its leased rows
are not taken by another sender while the lease runs, and are taken again the moment it has
run out; what the dead sender had already sent is never sent again, and the fresh sender sends
the rest exactly once. On the engine the suite runs on (SQLite or PostgreSQL).

The dead sender runs ``tests/ticketing/dying_sender.py`` at a fixed time with the production
lease; the fresh sender's clock is set to the lease's edges rather than waited for, so the test
is exact and fast on a loaded machine. The only waits are for the child to report its claim and
to be dead, each with a deadline.

Then the bookkeeping, against the rules in ticketing/outbox.py and docs/CONTRACTS.md: retries
back off by doubling from the base up to the cap and give up after ``max_attempts``; a failure
for good is audited; a row given back untouched is due again with its attempt uncounted;
delivery reports go to the newest sent message; survey calls are taken by due time and end
answered, retried or on the manual list.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from ticketing.calendar import BusinessCalendar
from ticketing.campaigns import CampaignCalls
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import AuditLog, Base, PrintJob, SmsOut, SurveyCall, Ticket
from ticketing.model_calls import OutboundCall
from ticketing.model_facilities import WebhookDelivery
from ticketing.model_feedback import CampaignTarget
from ticketing.outbox import Backoff, PrintQueue, SmsOutbox, SurveyQueue
from ticketing.outcalls import AckCallQueue
from ticketing.service import CampaignSpec, NewTicket, TicketService
from ticketing.store import Store
from ticketing.webhooks import Webhooks

from ..conftest import ROOT
from .factories import small_hospital

LEASE = timedelta(minutes=2)  # the outboxes' production lease for SMS and slips
TICKETS = 6
SENT_BEFORE_DEATH = 2
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Outbox:
    """How the test drives one outbox as a fresh sender: claim due rows, send one, and which
    statuses mean "sent" and "leased"."""

    model: Any
    claim: Callable[[Store, FixedClock], list[int]]
    send: Callable[[Store, FixedClock, int], None]
    leased: str
    sent: str
    prepare: Callable[[TicketService], None] | None = None  # rows the tickets do not make


def _sms_claim(store: Store, clock: FixedClock) -> list[int]:
    return [r.id for r in SmsOutbox(store, clock, lease=LEASE).claim("fresh", 1000)]


def _sms_send(store: Store, clock: FixedClock, sms_id: int) -> None:
    SmsOutbox(store, clock, lease=LEASE).mark_sent(sms_id, [sms_id % 256], 1)


def _print_claim(store: Store, clock: FixedClock) -> list[int]:
    return [r.id for r in PrintQueue(store, clock, lease=LEASE).claim("desk", 1000)]


def _print_send(store: Store, clock: FixedClock, job_id: int) -> None:
    PrintQueue(store, clock, lease=LEASE).mark_printed(job_id)


def _survey_claim(store: Store, clock: FixedClock) -> list[int]:
    return [r.id for r in SurveyQueue(store, clock, lease=LEASE).claim_due(1000)]


def _survey_send(store: Store, clock: FixedClock, survey_id: int) -> None:
    SurveyQueue(store, clock, lease=LEASE).mark_result(survey_id, 4, "answered")


def ticket_service(store: Store, clock: FixedClock) -> TicketService:
    """The core as the AMI part has it (the acknowledgement calls' outcomes are commands)."""
    return TicketService(store, clock, Catalog.load(ROOT / "config" / "service_catalog.toml"),
                         BusinessCalendar.load(ROOT / "config" / "calendar.toml"), PlainComposer())


def _ack_claim(store: Store, clock: FixedClock) -> list[int]:
    return [r.id for r in AckCallQueue(ticket_service(store, clock), lease=LEASE).claim_due(1000)]


def ack_send(service: TicketService, call_id: int) -> None:
    """Dialled, answered, and the worker keyed 1."""
    with service.store.session() as s:
        ticket_id = s.get(OutboundCall, call_id).ticket_id  # type: ignore[union-attr]
    AckCallQueue(service).mark_dialing(call_id, f"ack-{call_id}")
    service.ack_call_result(call_id, "answered")
    service.ack_call_answer(ticket_id, "accepted", call_id)


def _ack_send(store: Store, clock: FixedClock, call_id: int) -> None:
    ack_send(ticket_service(store, clock), call_id)


def _campaign_calls(store: Store, clock: FixedClock) -> CampaignCalls:
    return CampaignCalls(store, clock, ZoneInfo("Asia/Shanghai"), lease=LEASE)


def _campaign_claim(store: Store, clock: FixedClock) -> list[int]:
    return [c.id for c in _campaign_calls(store, clock).claim_due(1000)]


def _campaign_send(store: Store, clock: FixedClock, target_id: int) -> None:
    _campaign_calls(store, clock).mark_result(target_id, 4, "answered")


def _campaign_prepare(service: TicketService) -> None:
    """An IVR campaign to the six requesters, no quiet hours, its calls released (due)."""
    cid = service.create_campaign("lead", CampaignSpec("回访", "ivr", "requesters", quiet_start="00:00",
                                                       quiet_end="00:00", per_hour=3600))
    service.start_campaign("lead", cid)
    assert service.run_campaigns() == TICKETS


def _webhooks(store: Store, clock: FixedClock) -> Webhooks:
    return Webhooks(store, clock, lease=LEASE)


def _webhook_claim(store: Store, clock: FixedClock) -> list[int]:
    return [d.id for d in _webhooks(store, clock).claim("fresh", 1000)]


def webhook_send(store: Store, clock: FixedClock, delivery_id: int) -> None:
    """The receiver answered 204."""
    _webhooks(store, clock).mark_delivered(delivery_id, 204, 12)


def _webhook_prepare(service: TicketService) -> None:
    """A hospital system subscribed to new tickets, then six tickets: six deliveries (the feed
    turns what was before the subscription into nothing)."""
    hooks = _webhooks(service.store, service.clock)  # type: ignore[arg-type]
    hooks.create("admin", {"name": "HIS", "url": "http://his.example/onestop", "events": ["ticket.created"]})
    assert hooks.pump() == 0
    for n in range(TICKETS):
        service.accept("li", NewTicket(service_type="repair", description=f"水龙头漏水 {n}",
                                       location_code="10305", reporter_phone=f"62{n:02d}"))
    assert hooks.pump() == TICKETS


# Every leased outbox of the schema; a new one is added here with its three calls.
OUTBOXES = {
    "sms": Outbox(SmsOut, _sms_claim, _sms_send, leased="sending", sent="sent"),
    "print": Outbox(PrintJob, _print_claim, _print_send, leased="printing", sent="printed"),
    "survey": Outbox(SurveyCall, _survey_claim, _survey_send, leased="calling", sent="done"),
    "ack": Outbox(OutboundCall, _ack_claim, _ack_send, leased="claimed", sent="done"),
    "campaign": Outbox(CampaignTarget, _campaign_claim, _campaign_send, leased="calling", sent="answered",
                       prepare=_campaign_prepare),
    "webhook": Outbox(WebhookDelivery, _webhook_claim, webhook_send, leased="sending", sent="delivered",
                      prepare=_webhook_prepare),
}


def test_every_leased_table_is_an_outbox_this_module_kills_a_sender_of() -> None:
    leased = {t.name for t in Base.metadata.sorted_tables if "lease_until" in t.c}
    assert leased == {o.model.__tablename__ for o in OUTBOXES.values()}


@pytest.fixture
def work(store: Store, service: TicketService, clock: FixedClock) -> datetime:
    """Six tickets dispatched and done: six work-order SMS, six slips, six call-backs, all due
    at the returned time (the reporters on extensions: no SMS to them)."""
    small_hospital(store)
    for n in range(TICKETS):
        t = service.accept("li", NewTicket(service_type="repair", description=f"灯不亮 {n}",
                                           location_code="10305", reporter_phone=f"61{n:02d}"))
        service.dispatch("li", t.id, ["W001"])
        service.complete("li", t.id)
    return clock.now() + service.options.survey_delay


@pytest.fixture
def unanswered(store: Store, service: TicketService, clock: FixedClock) -> datetime:
    """Six repair tickets dispatched to W001 and not answered: six acknowledgement calls, all
    due at the returned time (the catalog's ack_call_after for repair)."""
    small_hospital(store)
    for n in range(TICKETS):
        t = service.accept("li", NewTicket(service_type="repair", description=f"灯不亮 {n}",
                                           location_code="10305", reporter_phone=f"1380000100{n}"))
        service.dispatch("li", t.id, ["W001"], print_slip=False)
    delay = service.catalog.get("repair").ack_call_after
    assert delay, "repair has an acknowledgement call"
    return clock.now() + timedelta(minutes=delay)


class DyingSender:
    def __init__(self, db_url: str, kind: str, now: datetime, *extra: str,
                 send_first: int = SENT_BEFORE_DEATH) -> None:
        self.db_url = db_url
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ticketing.dying_sender", db_url, kind, now.isoformat(),
             str(LEASE.total_seconds()), str(send_first), *extra],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def report(self, deadline_s: float = 60.0) -> dict[str, list[int]]:
        """The child's one line, once it has claimed (and sent some); waits with a deadline."""
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if sel.select(timeout=end - time.monotonic()):
                line = self.proc.stdout.readline()
                if not line:
                    break
                return json.loads(line)  # type: ignore[no-any-return]
        self.proc.kill()
        _out, err = self.proc.communicate(timeout=30)
        raise AssertionError(f"the sender never reported its claim: {err.decode()[-2000:]}")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        self._wait_for_its_session_to_end()

    def _wait_for_its_session_to_end(self) -> None:
        """PostgreSQL ends a dead client's session (and frees its row locks) when it reads the
        closed socket, a moment after the process is gone; until then SKIP LOCKED skips its
        rows. Wait for that, with a deadline (SQLite's locks go with the process)."""
        if not self.db_url.startswith("postgresql"):
            return
        store = Store(self.db_url)
        try:
            end = time.monotonic() + 30
            while True:
                with store.engine.connect() as conn:
                    open_tx = conn.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")).scalar()
                if not open_tx:
                    return
                assert time.monotonic() < end, "the dead sender's session never ended"
                time.sleep(0.02)
        finally:
            store.dispose()


def _rows(store: Store, model: Any) -> dict[int, Any]:
    with store.session() as s:
        return {r.id: (r.status, r.attempts, r.lease_until) for r in s.scalars(select(model))}


@pytest.mark.parametrize("kind", sorted(OUTBOXES))
def test_a_killed_senders_leases_run_out_and_each_row_is_sent_once(
        kind: str, store: Store, db_url: str, request: pytest.FixtureRequest) -> None:
    box = OUTBOXES[kind]
    # an acknowledgement call is placed while the order is unanswered; the others once done
    due: datetime = request.getfixturevalue("unanswered" if kind == "ack" else "work")
    if box.prepare is not None:
        box.prepare(request.getfixturevalue("service"))
    assert len(_rows(store, box.model)) == TICKETS

    child = DyingSender(db_url, kind, due)
    said = child.report()
    child.kill()
    claimed, sent_by_dead = said["claimed"], said["sent"]
    assert sorted(claimed) == sorted(_rows(store, box.model)), "the dead sender had claimed every row"
    assert len(sent_by_dead) == SENT_BEFORE_DEATH

    rows = _rows(store, box.model)
    held = sorted(set(claimed) - set(sent_by_dead))
    assert {i: rows[i][0] for i in held} == {i: box.leased for i in held}
    assert {i: rows[i][0] for i in sent_by_dead} == {i: box.sent for i in sent_by_dead}
    lease_until = {rows[i][2] for i in held}
    assert len(lease_until) == 1
    expires = lease_until.pop()
    assert expires is not None
    expires = expires if expires.tzinfo else expires.replace(tzinfo=due.tzinfo)
    assert expires == due + LEASE

    clock = FixedClock(due)
    assert box.claim(store, clock) == [], "a live lease is not taken by another sender"
    clock.set(expires)
    assert box.claim(store, clock) == [], "nor at the very instant it runs out"

    clock.set(expires + TICK)
    delivered: list[int] = []
    for _ in range(3):  # the fresh sender drains the outbox, with its own lease running out twice
        got = box.claim(store, clock)
        for row_id in got:
            box.send(store, clock, row_id)
            delivered.append(row_id)
        clock.advance(seconds=LEASE.total_seconds() * 5)
    assert sorted(delivered) == held, "each held row sent once by the fresh sender, nothing else"
    final = _rows(store, box.model)
    assert {i: final[i][0] for i in final} == {i: box.sent for i in final}
    assert {i: final[i][1] for i in held} == {i: 2 for i in held}, "two attempts: the dead one's, the fresh one's"
    assert {i: final[i][1] for i in sent_by_dead} == {i: 1 for i in sent_by_dead}
    assert all(final[i][2] is None for i in final), "no lease left behind"


def test_a_sender_killed_inside_its_claim_leaves_nothing_leased(
        store: Store, db_url: str, work: datetime) -> None:
    """Killed before the claim committed (SQLite's write lock or PostgreSQL's row locks held):
    the rows are untouched and due at once, and the next sender is not blocked by the dead one."""
    rows_before = _rows(store, SmsOut)
    child = DyingSender(db_url, "sms", work, "--in-claim")
    assert sorted(child.report()["claimed"]) == sorted(rows_before)
    child.kill()
    assert _rows(store, SmsOut) == rows_before
    clock = FixedClock(work)
    assert sorted(_sms_claim(store, clock)) == sorted(rows_before)


# --- the bookkeeping ----------------------------------------------------------------------

def _sms(store: Store, clock: FixedClock, n: int = 1, **kw: object) -> list[int]:
    ids = []
    with store.session() as s:
        for i in range(n):
            row = SmsOut(**({"number": f"1380000000{i}", "text": f"t{i}", "kind": "order",
                             "status": "queued", "attempts": 0, "due_at": clock.now(),
                             "created_at": clock.now(), "references": [], "parts": 0, "modem": "",
                             "error": ""} | kw))
            s.add(row)
            s.flush()
            ids.append(row.id)
    return ids


def _sms_row(store: Store, sms_id: int) -> SmsOut:
    with store.session() as s:
        row = s.get(SmsOut, sms_id)
        assert row is not None
        s.expunge(row)
        return row


def _utc(value: object) -> object:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


@pytest.mark.parametrize(("attempts", "seconds"), [(0, 5), (1, 5), (2, 10), (3, 20), (4, 40),
                                                   (7, 320), (8, 600), (30, 600)])
def test_backoff_doubles_from_the_base_up_to_the_cap(attempts: int, seconds: float) -> None:
    assert Backoff(base_s=5, cap_s=600).delay(attempts) == timedelta(seconds=seconds)


def test_a_failed_sms_is_retried_after_the_backoff_then_failed_for_good_and_audited(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock, Backoff(base_s=5, cap_s=600, max_attempts=3))
    (sms_id,) = _sms(store, clock)
    for attempt in (1, 2):
        (row,) = outbox.claim("m1")
        assert (row.id, row.attempts) == (sms_id, attempt)
        assert outbox.mark_failed(sms_id, "+CMS ERROR 38" + "x" * 600, retry=True) == "retry"
        stored = _sms_row(store, sms_id)
        assert stored.lease_until is None and stored.error == ("+CMS ERROR 38" + "x" * 600)[:500]
        assert _utc(stored.due_at) == clock.now() + timedelta(seconds=5 * 2 ** (attempt - 1))
        assert outbox.claim("m1") == [], "not due before its backoff"
        clock.set(_utc(stored.due_at))  # type: ignore[arg-type]
    (row,) = outbox.claim("m1")
    assert row.attempts == 3
    assert outbox.mark_failed(sms_id, "still no network", retry=True) == "failed", "three attempts"
    with store.session() as s:
        audits = s.scalars(select(AuditLog).where(AuditLog.entity == "sms_outbox")).all()
        assert [(a.actor, a.entity_key, a.action, a.after) for a in audits] == [
            ("modem", str(sms_id), "failed", {"error": "still no network"})]
    clock.advance(hours=1)
    assert outbox.claim("m1") == []
    assert outbox.mark_failed(10_000, "x", retry=True) == "missing"


def test_a_refused_sms_fails_at_once_without_retry(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    (sms_id,) = _sms(store, clock)
    outbox.claim("m1")
    assert outbox.mark_failed(sms_id, "+CMS ERROR 21", retry=False) == "failed"
    assert _sms_row(store, sms_id).status == "failed"


def test_a_row_given_back_is_due_again_with_its_attempt_uncounted(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    a, b = _sms(store, clock, 2)
    outbox.claim("m1", 2)
    outbox.mark_sent(b, [9], 1)
    outbox.release(a)
    outbox.release(b)  # sent: not given back
    outbox.release(10_000)
    ra, rb = _sms_row(store, a), _sms_row(store, b)
    assert (ra.status, ra.attempts, ra.lease_until) == ("queued", 0, None)
    assert rb.status == "sent"
    assert [r.id for r in outbox.claim("m2", 5)] == [a]


def test_mark_sent_records_the_references_and_the_time_once(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    (sms_id,) = _sms(store, clock)
    outbox.claim("m1")
    clock.advance(seconds=3)
    outbox.mark_sent(sms_id, [4, 5], 2)
    clock.advance(seconds=3)
    outbox.mark_sent(sms_id, [6], 1)  # a second report of the same send changes nothing
    row = _sms_row(store, sms_id)
    assert (row.status, row.references, row.parts, row.lease_until) == ("sent", [4, 5], 2, None)
    assert _utc(row.sent_at) == clock.now() - timedelta(seconds=3)
    outbox.mark_sent(10_000, [1], 1)  # unknown id: nothing to do, no error


def test_a_delivery_report_goes_to_the_newest_sent_message_by_send_time(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    # the higher id was sent earlier (a retry of an older order went out later)
    older_send = _sms(store, clock, status="sent", references=[7], parts=1, modem="m1",
                      sent_at=clock.now())[0]
    newer_send = _sms(store, clock, status="sent", references=[7], parts=1, modem="m1",
                      sent_at=clock.now() + timedelta(seconds=5))[0]
    assert newer_send > older_send
    with store.session() as s:
        s.get(SmsOut, newer_send).sent_at = clock.now() - timedelta(seconds=5)  # type: ignore[union-attr]
    assert outbox.mark_delivered("m1", 7, "", ok=False) == older_send
    row = _sms_row(store, older_send)
    assert (row.status, row.error) == ("failed", "delivery report: not delivered")
    assert outbox.mark_delivered("m1", 7, "", ok=True) == newer_send
    assert _utc(_sms_row(store, newer_send).delivered_at) == clock.now()
    # same send time: the higher id is the newer
    same = _sms(store, clock, 2, status="sent", references=[8], parts=1, modem="m1", sent_at=clock.now())
    assert outbox.mark_delivered("m1", 8, "", ok=True) == max(same)
    assert outbox.mark_delivered("m2", 8, "", ok=True) is None, "another modem's reference"


def _tickets(store: Store, clock: FixedClock, n: int) -> list[int]:
    with store.session() as s:
        rows = [Ticket(service_type="repair", priority="normal", status="done", source="phone",
                       location_code="", org_code="", reporter_name="", reporter_phone=f"6{i:03d}",
                       description="", details={}, operator="li", assignee="", created_at=clock.now(),
                       response_due=clock.now(), completion_due=clock.now(), escalation_level=0,
                       breach_notified=False, reopen_count=0, version=1, satisfaction_comment="",
                       assessment="") for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [t.id for t in rows]


def _surveys(store: Store, clock: FixedClock, due_minutes: list[int]) -> list[int]:
    tickets = _tickets(store, clock, len(due_minutes))
    with store.session() as s:
        rows = [SurveyCall(ticket_id=t, number=f"6{t:03d}", status="scheduled", attempts=0,
                           due_at=clock.now() + timedelta(minutes=m), updated_at=clock.now())
                for t, m in zip(tickets, due_minutes, strict=True)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def test_survey_calls_are_taken_by_due_time_and_in_the_number_asked(store: Store) -> None:
    clock = FixedClock()
    queue = SurveyQueue(store, clock)
    late, early, later, future = _surveys(store, clock, [-1, -30, -10, 60])
    assert [v.id for v in queue.claim_due(2)] == [early, later]
    assert [v.id for v in queue.claim_due(5)] == [late], "not the future one"
    queue.mark_calling(late, "onestop-1-" + "x" * 60)
    with store.session() as s:
        row = s.get(SurveyCall, late)
        assert row is not None and row.action_id == ("onestop-1-" + "x" * 60)[:40]
        assert (row.status, row.attempts) == ("calling", 1)
        assert _utc(row.lease_until) == clock.now() + timedelta(minutes=5)
    assert future not in [v.id for v in queue.claim_due(5)]


def test_unanswered_survey_calls_retry_then_go_to_the_manual_list(store: Store) -> None:
    clock = FixedClock()
    queue = SurveyQueue(store, clock, retry_after=timedelta(hours=2), max_attempts=2)
    a, b = _surveys(store, clock, [-2, -1])
    assert [v.id for v in queue.claim_due(1)] == [a]
    assert queue.mark_result(a, None, "no_answer") == "retry"
    assert [v.id for v in queue.claim_due(5)] == [b], "a waits two hours"
    assert queue.mark_result(b, 4, "answered") == "done"
    clock.advance(hours=2)
    (again,) = queue.claim_due(5)
    assert (again.id, again.attempts) == (a, 2)
    clock.advance(minutes=1)
    assert queue.mark_result(a, None, "busy") == "manual"
    assert [(v.id, v.attempts) for v in queue.manual_list()] == [(a, 2)]
    assert queue.mark_result(b, None, "no_answer") == "done", "a call-back once done stays done"
    assert queue.mark_result(10_000, None, "busy") == "missing"
    with store.session() as s:
        row = s.get(SurveyCall, a)
        assert row is not None and (row.outcome, row.lease_until) == ("busy", None)
        assert _utc(row.updated_at) == clock.now()


def test_print_jobs_fail_back_off_print_and_reprint(store: Store) -> None:
    clock = FixedClock()
    jobs = PrintQueue(store, clock, Backoff(base_s=2, cap_s=120, max_attempts=2))
    with store.session() as s:
        job = PrintJob(ticket_id=None, printer="desk", kind="slip", language="en",
                       snapshot={"ticket_id": 1}, status="queued", attempts=0, due_at=clock.now(),
                       created_at=clock.now(), error="")
        s.add(job)
        s.flush()
        job_id = job.id
    assert jobs.claim("kitchen") == [], "another printer's job"
    (view,) = jobs.claim("desk")
    assert (view.id, view.attempts, view.snapshot, view.language) == (job_id, 1, {"ticket_id": 1}, "en")
    assert jobs.mark_failed(job_id, "paper out", retry=True) == "retry"
    clock.advance(seconds=2)
    (view,) = jobs.claim("desk")
    assert jobs.mark_failed(job_id, "paper out", retry=True) == "failed"
    assert jobs.mark_failed(10_000, "x", retry=True) == "missing"
    copy = jobs.reprint(job_id)
    assert copy != job_id
    (view,) = jobs.claim("desk")
    assert (view.id, view.attempts, view.snapshot) == (copy, 1, {"ticket_id": 1})
    clock.advance(seconds=1)
    jobs.mark_printed(copy)
    with store.session() as s:
        row = s.get(PrintJob, copy)
        assert row is not None and (row.status, row.lease_until, row.error) == ("printed", None, "")
        assert _utc(row.printed_at) == clock.now()
    with pytest.raises(KeyError, match="no print job 10000"):
        jobs.reprint(10_000)


def test_printer_status_is_kept_per_printer_with_its_time(store: Store) -> None:
    clock = FixedClock()
    jobs = PrintQueue(store, clock)
    jobs.set_printer_status("desk", {"state": "offline"})
    clock.advance(seconds=30)
    jobs.set_printer_status("desk", {"state": "ready"})
    jobs.set_printer_status("kitchen", {"state": "paper_end"})
    status = jobs.printer_status()
    assert status == {
        "desk": {"state": "ready", "updated_at": status["desk"]["updated_at"]},
        "kitchen": {"state": "paper_end", "updated_at": status["kitchen"]["updated_at"]}}
    assert _utc(datetime.fromisoformat(status["desk"]["updated_at"])) == clock.now()


def test_what_a_claim_hands_the_sender(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    tickets = _tickets(store, clock, 1)
    a, b = _sms(store, clock, 2, kind="confirm", ticket_id=tickets[0], staff_code="W001")
    with store.session() as s:
        s.get(SmsOut, b).due_at = clock.now() - timedelta(seconds=1)  # type: ignore[union-attr]
    (first,) = outbox.claim("m1")  # one by default: the earliest due
    assert (first.id, first.kind, first.ticket_id, first.staff_code, first.attempts) == (
        b, "confirm", tickets[0], "W001", 1)
    assert (first.number, first.text) == ("13800000001", "t1")
    nxt = outbox.sent_and_claim(b, [3], 1, "m1")  # and one by default here too
    assert [r.id for r in nxt] == [a]
    assert _utc(_sms_row(store, b).sent_at) == clock.now()
    outbox.release(a)
    (again,) = outbox.claim("m1")
    outbox.mark_failed(a, "busy", retry=True)
    clock.advance(seconds=5)
    (third,) = outbox.claim("m1")
    assert third.attempts == 2
    outbox.release(a)
    assert _sms_row(store, a).attempts == 1, "a release gives back one attempt, not two"
    assert outbox.sent_and_claim(b, [3], 1, "m1", 1)[0].id == a


def test_a_delivered_sms_is_not_marked_sent_again(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    (sms_id,) = _sms(store, clock)
    outbox.claim("m1")
    outbox.mark_sent(sms_id, [5], 1)
    assert outbox.mark_delivered("m1", 5, "", ok=True) == sms_id
    outbox.mark_sent(sms_id, [6], 1)
    row = _sms_row(store, sms_id)
    assert (row.status, row.references) == ("delivered", [5])


def test_print_jobs_come_in_due_order_with_what_they_print(store: Store) -> None:
    clock = FixedClock()
    jobs = PrintQueue(store, clock)
    (ticket,) = _tickets(store, clock, 1)
    with store.session() as s:
        rows = [PrintJob(ticket_id=ticket, printer="desk", kind=kind, language="zh-CN",
                         snapshot={"n": n}, status="queued", attempts=0,
                         due_at=clock.now() - timedelta(seconds=due), created_at=clock.now(), error="")
                for n, (kind, due) in enumerate([("slip", 1), ("kitchen", 5), ("slip", 5)])]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    (first,) = jobs.claim("desk")  # one by default
    assert (first.id, first.ticket_id, first.printer, first.kind) == (ids[1], ticket, "desk", "kitchen")
    assert [v.id for v in jobs.claim("desk", 5)] == [ids[2], ids[0]], "due time, then id"
    clock.advance(seconds=1)
    jobs.mark_printed(ids[1])
    clock.advance(seconds=1)
    jobs.mark_printed(ids[1])  # a second confirmation keeps the first time
    jobs.mark_printed(10_000)
    copy = jobs.reprint(ids[1])
    with store.session() as s:
        printed = s.get(PrintJob, ids[1])
        assert printed is not None and _utc(printed.printed_at) == clock.now() - timedelta(seconds=1)
        c = s.get(PrintJob, copy)
        assert c is not None
        assert (c.ticket_id, c.printer, c.kind, c.language, c.snapshot, c.status, c.attempts, c.error) == (
            ticket, "desk", "kitchen", "zh-CN", {"n": 1}, "queued", 0, "")
        assert _utc(c.due_at) == clock.now() and _utc(c.created_at) == clock.now()


def test_survey_views_carry_the_ticket_and_number_and_outcomes_fit_their_column(store: Store) -> None:
    clock = FixedClock()
    queue = SurveyQueue(store, clock, max_attempts=1)
    a, b = _surveys(store, clock, [-1, -1])
    views = queue.claim_due(5)
    with store.session() as s:
        expected = [(r.id, r.ticket_id, r.number) for r in
                    (s.get(SurveyCall, a), s.get(SurveyCall, b)) if r is not None]
    assert sorted((v.id, v.ticket_id, v.number) for v in views) == sorted(expected)
    queue.mark_result(b, None, "no_answer")
    clock.advance(minutes=1)
    queue.mark_result(a, None, "x" * 25)
    assert [(v.id, v.ticket_id, v.number) for v in queue.manual_list()] == sorted(expected, key=lambda e: e[0] != b)
    with store.session() as s:
        row = s.get(SurveyCall, a)
        assert row is not None and row.outcome == "x" * 20
