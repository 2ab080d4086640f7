"""Nothing is lost when a sender dies: for every outbox, a sender process that claimed rows is
killed with SIGKILL (not stopped: no ``finally`` runs, no lease is given back); its leased rows
are not taken by another sender while the lease runs, and are taken again the moment it has
run out; what the dead sender had already sent is never sent again, and the fresh sender sends
the rest exactly once. On the engine the suite runs on (SQLite or PostgreSQL).

The dead sender runs ``tests/ticketing/dying_sender.py`` at a fixed time with the production
lease; the fresh sender's clock is set to the lease's edges rather than waited for, so the test
is exact and fast on a loaded machine. The only waits are for the child to report its claim and
to be dead, each with a deadline.
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
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ticketing.fakes import FixedClock
from ticketing.model import Base, PrintJob, SmsOut, SurveyCall
from ticketing.outbox import PrintQueue, SmsOutbox, SurveyQueue
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

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


# Every leased outbox of the schema; a new one (webhooks…) is added here with its three calls.
OUTBOXES = {
    "sms": Outbox(SmsOut, _sms_claim, _sms_send, leased="sending", sent="sent"),
    "print": Outbox(PrintJob, _print_claim, _print_send, leased="printing", sent="printed"),
    "survey": Outbox(SurveyCall, _survey_claim, _survey_send, leased="calling", sent="done"),
}


def test_every_leased_table_is_an_outbox_this_module_kills_a_sender_of() -> None:
    leased = {t.name for t in Base.metadata.sorted_tables if "lease_until" in t.c}
    assert leased == {o.model.__tablename__ for o in OUTBOXES.values()}


@pytest.fixture
def work(store: Store, service: TicketService, clock: FixedClock) -> datetime:
    """Six tickets dispatched and done: six work-order SMS, six slips, six call-backs, all due
    at the returned time."""
    small_hospital(store)
    for n in range(TICKETS):
        t = service.accept("li", NewTicket(service_type="repair", description=f"灯不亮 {n}",
                                           location_code="10305", reporter_phone=f"1380000100{n}"))
        service.dispatch("li", t.id, ["W001"])
        service.complete("li", t.id)
    return clock.now() + service.options.survey_delay


class DyingSender:
    def __init__(self, db_url: str, kind: str, now: datetime, *extra: str,
                 send_first: int = SENT_BEFORE_DEATH) -> None:
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


def _rows(store: Store, model: Any) -> dict[int, Any]:
    with store.session() as s:
        return {r.id: (r.status, r.attempts, r.lease_until) for r in s.scalars(select(model))}


@pytest.mark.parametrize("kind", sorted(OUTBOXES))
def test_a_killed_senders_leases_run_out_and_each_row_is_sent_once(
        kind: str, store: Store, db_url: str, work: datetime) -> None:
    box = OUTBOXES[kind]
    due = work
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
