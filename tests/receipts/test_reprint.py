"""A slip whose printing was never confirmed (the process died between sending it and marking
it printed): taken back at once by the restarted worker under the same name, printed again
marked 补打 / REPRINT, and its ticket's timeline says so — against the core's PrintQueue on
the suite's engine. The killed-process version is tests/onestop/test_printer_crash.py."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from receipts.capture import CapturePrinter
from receipts.layout import SlipRenderer
from receipts.profile import PrinterProfile
from receipts.queue_worker import JobRenderer, PrintWorker
from receipts.service import WorkerName
from receipts.transports import TcpTransport
from tests.receipts.conftest import BASE_URL
from tests.receipts.escpos_decoder import decode
from tests.ticketing.factories import small_hospital
from ticketing.fakes import FixedClock
from ticketing.model import PrintJob
from ticketing.outbox import Backoff, PrintQueue
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store


class Died(BaseException):
    """The process ends here (nothing after this line of the worker runs)."""


class DiesAfterSending(TcpTransport):
    """Delivers the job to the printer, then the process 'dies' before it can mark it."""

    def send(self, job: bytes) -> Any:
        super().send(job)
        raise Died


@pytest.fixture
def tickets(store: Store, service: TicketService) -> list[int]:
    small_hospital(store)
    ids = []
    for _ in range(3):
        t = service.accept("li", NewTicket(service_type="repair", description="灯不亮",
                                           location_code="10305", reporter_name="张护士",
                                           reporter_phone="6123"))
        service.dispatch("li", t.id, ["W001"])
        ids.append(t.id)
    return ids


def _queue(store: Store, clock: FixedClock) -> PrintQueue:
    return PrintQueue(store, clock, Backoff(base_s=2.0, cap_s=120, max_attempts=5))


def _worker(queue: PrintQueue, transport: Any, identity: str) -> PrintWorker:
    render = JobRenderer(SlipRenderer(base_url=BASE_URL), PrinterProfile(name="desk"))
    return PrintWorker(queue, "desk", transport, render, rng=random.Random(1), batch=4,
                       identity=identity)


def _jobs(store: Store) -> dict[int, PrintJob]:
    with store.session() as s:
        return {j.ticket_id: j for j in s.query(PrintJob)}


def test_a_restarted_worker_reprints_its_unconfirmed_job_at_once_marked(
        store: Store, clock: FixedClock, service: TicketService, tickets: list[int],
        capture: CapturePrinter) -> None:
    queue = _queue(store, clock)
    first = _worker(queue, DiesAfterSending("127.0.0.1", capture.port), "desk@host-a")
    with pytest.raises(Died):
        first.run_once()  # claimed all three, sent the first, died before marking it
    assert len(capture.wait_for_jobs(1)) == 1
    rows = _jobs(store)
    assert [rows[t].status for t in tickets] == ["printing"] * 3
    assert {rows[t].worker for t in tickets} == {"desk@host-a"}

    # A worker of another name does not touch them while their lease runs.
    assert _worker(queue, TcpTransport("127.0.0.1", capture.port), "desk@host-b").run_once() == 0

    # The same name after the restart: all three at once (the clock has not moved).
    again = _worker(queue, TcpTransport("127.0.0.1", capture.port), "desk@host-a")
    assert again.run_once() == 3
    jobs = capture.wait_for_jobs(4)
    assert len(jobs) == 4
    texts = [decode(j.data).text for j in jobs]
    assert f"No.{tickets[0]}" in texts[0] and "补打" not in texts[0]  # the slip that was sent
    reprinted = [t for t in texts[1:] if "补打" in t or "REPRINT" in t]
    assert len(reprinted) == 1 and f"No.{tickets[0]}" in reprinted[0]
    assert "同一工单再次打印" in reprinted[0]
    rows = _jobs(store)
    assert [(rows[t].status, rows[t].reprint) for t in tickets] == \
        [("printed", True), ("printed", False), ("printed", False)]
    assert again.stats.reprinted == 1 and again.health()["reprinted"] == 1
    steps = [(e.action, e.actor) for e in service.get(tickets[0]).timeline]
    assert ("reprint", "printer") in steps
    assert all(e.action != "reprint" for t in tickets[1:] for e in service.get(t).timeline)


def test_the_english_mark(store: Store, clock: FixedClock, service: TicketService,
                          tickets: list[int], capture: CapturePrinter) -> None:
    with store.session() as s:
        s.query(PrintJob).filter(PrintJob.ticket_id == tickets[1]).update({"language": "en"})
    queue = _queue(store, clock)
    job = queue.claim("desk", 4, worker="w")[1]  # the English slip
    queue.mark_sending(job.id)
    clock.advance(minutes=3)  # the lease ran out: any worker takes it, as a reprint
    (again,) = [j for j in queue.claim("desk", 4, worker="other") if j.id == job.id]
    assert again.reprint
    data = JobRenderer(SlipRenderer(base_url=BASE_URL), PrinterProfile(name="desk"))(again)
    text = decode(data).text
    assert "** REPRINT **" in text and "Same job printed again" in text


def test_refused_or_never_sent_is_not_a_reprint(store: Store, clock: FixedClock,
                                                tickets: list[int]) -> None:
    queue = _queue(store, clock)
    a, b, _ = queue.claim("desk", 4, worker="w")
    queue.mark_sending(a.id)
    queue.mark_failed(a.id, "cannot connect", retry=True)  # the printer said no: not on paper
    assert queue.resume("desk", "w") == 2  # b and the third: claimed, never sent
    clock.advance(seconds=10)
    views = {j.id: j for j in queue.claim("desk", 4, worker="w")}
    assert not views[a.id].reprint and not views[b.id].reprint


def test_resume_takes_only_its_own_printing_jobs(store: Store, clock: FixedClock,
                                                 tickets: list[int]) -> None:
    queue = _queue(store, clock)
    mine = queue.claim("desk", 1, worker="desk@a")[0]
    theirs = queue.claim("desk", 1, worker="desk@b")[0]
    assert queue.resume("desk", "desk@a") == 1
    due = {j.id for j in queue.claim("desk", 4, worker="desk@a")}
    assert mine.id in due and theirs.id not in due
    clock.advance(minutes=3)
    assert theirs.id in {j.id for j in queue.claim("desk", 4, worker="desk@a")}


def test_the_worker_name_is_stable_and_never_shared_by_two_live_processes(tmp_path: Path) -> None:
    first = WorkerName("desk", tmp_path, host="ward-pc")
    second = WorkerName("desk", tmp_path, host="ward-pc")  # another process on the same host
    assert (first.identity, second.identity) == ("desk@ward-pc", "desk@ward-pc#2")
    first.release()  # the first process ends (a SIGKILL lets its lock go alike)
    restarted = WorkerName("desk", tmp_path, host="ward-pc")
    assert restarted.identity == "desk@ward-pc"
    assert WorkerName("kitchen", tmp_path, host="ward-pc").identity == "kitchen@ward-pc"
    assert WorkerName("desk", None, host="ward-pc").identity == "desk@ward-pc"
    for name in (second, restarted):
        name.release()


def test_a_reprint_asked_for_at_the_desk_carries_the_mark(store: Store, clock: FixedClock,
                                                          service: TicketService,
                                                          tickets: list[int]) -> None:
    queue = _queue(store, clock)
    first = {j.ticket_id: j for j in queue.claim("desk", 4, worker="w")}
    render = JobRenderer(SlipRenderer(base_url=BASE_URL), PrinterProfile(name="desk"))
    assert "补打" not in decode(render(first[tickets[0]])).text
    job_id = service.reprint("li", tickets[0])
    (copy,) = [j for j in queue.claim("desk", 4, worker="w") if j.id == job_id]
    text = decode(render(copy)).text
    assert "** 补打 **" in text and "同一工单再次打印" in text and f"No.{tickets[0]}" in text
