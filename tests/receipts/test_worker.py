"""The print loop: retries while the printer is away, exactly once when it is back, status
read back, against the fake queue and the core's real PrintQueue."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest

from receipts.capture import CapturePrinter
from receipts.fakes import FakePrintQueue
from receipts.layout import SlipRenderer
from receipts.profile import PrinterProfile
from receipts.queue_worker import JobRenderer, PrintWorker
from receipts.samples import sample_snapshot
from receipts.transports import DummyTransport, TcpTransport
from tests.receipts.conftest import BASE_URL
from tests.receipts.escpos_decoder import decode


class Ticks:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _worker(queue: Any, transport: Any, clock: Any = time.monotonic, **kw: Any) -> PrintWorker:
    render = JobRenderer(SlipRenderer(base_url=BASE_URL), PrinterProfile(name="desk"))
    return PrintWorker(queue, "desk", transport, render, clock=clock, rng=random.Random(1), **kw)


def test_refused_then_back_prints_exactly_once(capture: CapturePrinter) -> None:
    ticks = Ticks()
    queue = FakePrintQueue(clock=ticks, retry_base_s=2.0, retry_cap_s=60.0)
    job_id = queue.enqueue(sample_snapshot())
    port = capture.port
    capture.stop()  # the printer refuses connections
    worker = _worker(queue, TcpTransport("127.0.0.1", port, connect_timeout=1), clock=ticks)

    assert worker.run_once() == 1
    assert queue.jobs[job_id].status == "retry" and "cannot connect" in queue.jobs[job_id].error
    assert queue.statuses["desk"]["state"] == "offline"
    assert worker.run_once() == 0  # not due yet: the queue's backoff holds it
    ticks.t += 2.5
    assert worker.run_once() == 1  # due again, still refused: backoff doubles
    assert queue.jobs[job_id].attempts == 2 and queue.jobs[job_id].due_at == ticks.t + 4.0

    capture.start()  # back, same port
    ticks.t += 4.5
    assert worker.run_once() == 1
    assert queue.jobs[job_id].status == "printed" and queue.jobs[job_id].printed_count == 1
    assert queue.statuses["desk"]["state"] == "ready"
    for _ in range(3):
        ticks.t += 60
        worker.run_once()
    jobs = capture.wait_for_jobs(1)
    time.sleep(0.1)
    assert len(capture.jobs) == 1
    assert decode(jobs[0].data).qr_payloads == [f"{BASE_URL}/desk/tickets/1042"]


def test_threaded_loop_recovers_when_the_printer_returns(capture: CapturePrinter) -> None:
    queue = FakePrintQueue(retry_base_s=0.05, retry_cap_s=0.2)
    ids = [queue.enqueue(sample_snapshot(lang)) for lang in ("zh-CN", "en", "zh-CN")]
    port = capture.port
    capture.stop()
    worker = _worker(queue, TcpTransport("127.0.0.1", port, connect_timeout=0.5),
                     backoff_min_s=0.02, backoff_max_s=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while worker.stats.failed_attempts < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.health()["state"] == "retrying"
        capture.start()
        jobs = capture.wait_for_jobs(3, timeout=10)
        deadline = time.monotonic() + 5
        while queue.by_status("printed").__len__() < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert len(jobs) == 3 and [queue.jobs[i].printed_count for i in ids] == [1, 1, 1]
    # Oldest first, each slip once.
    numbers = [decode(j.data).qr_payloads[0].rsplit("/", 1)[1] for j in capture.jobs]
    assert sorted(numbers) == ["1042", "1042", "1043"] and len(capture.jobs) == 3


def test_paper_out_is_reported_and_retried(capture: CapturePrinter) -> None:
    ticks = Ticks()
    queue = FakePrintQueue(clock=ticks, retry_base_s=1.0)
    job_id = queue.enqueue(sample_snapshot())
    capture.set_condition(paper_end=True)
    worker = _worker(queue, TcpTransport("127.0.0.1", capture.port), clock=ticks)
    worker.run_once()
    assert queue.jobs[job_id].status == "retry"
    assert queue.statuses["desk"]["state"] == "paper_end" and queue.statuses["desk"]["paper_end"]
    capture.set_condition(paper_near_end=True)
    ticks.t += 1.5
    worker.run_once()
    assert queue.jobs[job_id].status == "printed"
    assert queue.statuses["desk"]["paper_near_end"] and queue.statuses["desk"]["state"] == "ready"
    assert len(capture.wait_for_jobs(1)) == 1


def test_idle_worker_reads_status_back_and_writes_only_changes() -> None:
    ticks = Ticks()
    queue = FakePrintQueue(clock=ticks)
    dummy = DummyTransport()
    worker = _worker(queue, dummy, clock=ticks, status_every_s=30)
    worker.run_once()
    ticks.t += 31
    worker.run_once()
    assert len(queue.status_history) == 1  # unchanged: one write
    dummy.reachable = False
    ticks.t += 31
    worker.run_once()
    assert queue.statuses["desk"]["state"] == "offline" and len(queue.status_history) == 2


def test_a_snapshot_that_cannot_render_fails_without_retry() -> None:
    queue = FakePrintQueue()
    job_id = queue.enqueue({"ticket_id": 1, "kind": "slip"})
    dummy = DummyTransport()

    def broken(job: Any) -> bytes:
        raise ValueError("bad snapshot")

    worker = PrintWorker(queue, "desk", dummy, broken)
    worker.run_once()
    assert queue.jobs[job_id].status == "failed" and "bad snapshot" in queue.jobs[job_id].error
    assert dummy.jobs == []


def test_rest_of_a_batch_comes_back_when_the_printer_goes() -> None:
    ticks = Ticks()
    queue = FakePrintQueue(clock=ticks)
    ids = [queue.enqueue(sample_snapshot()) for _ in range(3)]
    dummy = DummyTransport()
    dummy.reachable = False
    worker = _worker(queue, dummy, clock=ticks, batch=3)
    assert worker.run_once() == 3
    assert [queue.jobs[i].status for i in ids] == ["retry"] * 3
    dummy.reachable = True
    ticks.t += 10
    assert worker.run_once() == 1  # after a failure: one at a time until one prints
    assert worker.run_once() == 2
    assert len(dummy.jobs) == 3 and all(queue.jobs[i].printed_count == 1 for i in ids)


def test_a_failing_queue_does_not_end_the_loop() -> None:
    class FlakyQueue(FakePrintQueue):
        calls = 0

        def claim(self, printer: str, limit: int = 1, worker: str = "") -> list[Any]:
            self.calls += 1
            if self.calls <= 2:
                raise OSError("database is locked")
            return super().claim(printer, limit, worker)

    queue = FlakyQueue()
    queue.enqueue(sample_snapshot())
    dummy = DummyTransport()
    worker = _worker(queue, dummy, backoff_min_s=0.01, backoff_max_s=0.02, poll_s=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not dummy.jobs and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(2)
    assert len(dummy.jobs) == 1 and queue.calls >= 3


def test_with_the_cores_print_queue(store, clock, capture: CapturePrinter) -> None:  # type: ignore[no-untyped-def]
    """Contract: the core's PrintQueue satisfies receipts.ports.PrintQueue."""
    from ticketing.model import PrintJob
    from ticketing.outbox import Backoff, PrintQueue

    queue = PrintQueue(store, clock, Backoff(base_s=2.0, cap_s=120, max_attempts=5))
    with store.session() as s:
        row = PrintJob(ticket_id=None, printer="desk", kind="slip", language="en",
                       snapshot=sample_snapshot("en"), status="queued", attempts=0,
                       due_at=clock.now(), created_at=clock.now(), error="")
        s.add(row)
        s.flush()
        job_id = row.id
    port = capture.port
    capture.stop()
    worker = _worker(queue, TcpTransport("127.0.0.1", port, connect_timeout=1))
    assert worker.run_once() == 1
    assert queue.printer_status()["desk"]["state"] == "offline"
    capture.start()
    assert worker.run_once() == 0  # the core's backoff: due in 2 s of its clock
    clock.advance(seconds=3)
    assert worker.run_once() == 1
    with store.session() as s:
        assert s.get(PrintJob, job_id).status == "printed"
    assert queue.printer_status()["desk"]["state"] == "ready"
    clock.advance(seconds=600)
    assert worker.run_once() == 0
    assert len(capture.wait_for_jobs(1)) == 1


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_printer_part_prints_through_settings(capture: CapturePrinter, lang: str) -> None:
    import asyncio

    from config.settings import PrinterDef
    from receipts.service import PrinterPart

    queue = FakePrintQueue()
    queue.enqueue(sample_snapshot(lang))
    printers = [PrinterDef(name="desk", transport="tcp", target=f"127.0.0.1:{capture.port}",
                           encoding="gbk", paper_mm=58, columns=32)]
    part = PrinterPart(printers, queue, SlipRenderer(base_url=BASE_URL), poll_s=0.02)

    async def run() -> None:
        await part.start()
        await asyncio.to_thread(capture.wait_for_jobs, 1, 5)
        await part.stop()

    asyncio.run(run())
    assert len(capture.jobs) == 1 and part.health()["state"] == "up"
    assert decode(capture.jobs[0].data).errors == []
