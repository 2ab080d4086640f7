"""Work slips: rendering throughput and queue → printed latency on a loopback printer.

1. Render: snapshot → jinja2 markup → elements → wrapped lines → ESC/POS bytes, for a mix
   of zh-CN and en work slips and a kitchen ticket, on 80 mm (GB18030) and 58 mm (GBK).
2. End to end: a job is enqueued, the print worker (its own thread, polling every
   ``--poll`` s when idle) claims it, renders it, connects to the capture printer over
   loopback TCP, asks DLE EOT status, sends the job, waits until every byte is
   acknowledged and marks it printed. Latency = enqueue → ``mark_printed``. Run once with
   the in-memory queue and once with the core's ``PrintQueue`` on SQLite (when importable).

    .venv/bin/python bench/slips.py [--seconds 3] [--jobs 300] [--poll 0.005]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from receipts.capture import CapturePrinter  # noqa: E402
from receipts.escpos import encode  # noqa: E402
from receipts.fakes import FakePrintQueue  # noqa: E402
from receipts.layout import SlipRenderer  # noqa: E402
from receipts.profile import PrinterProfile  # noqa: E402
from receipts.queue_worker import JobRenderer, PrintWorker  # noqa: E402
from receipts.samples import sample_snapshot  # noqa: E402
from receipts.transports import TcpTransport  # noqa: E402

PROFILES = [PrinterProfile("desk", "gb18030", 80, 48), PrinterProfile("team", "gbk", 58, 32)]


def bench_render(seconds: float) -> dict[str, float]:
    renderer = SlipRenderer()
    snaps = [sample_snapshot("zh-CN"), sample_snapshot("en"), sample_snapshot("zh-CN", "kitchen")]
    count, total_bytes = 0, 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for snap in snaps:
            for profile in PROFILES:
                total_bytes += len(encode(renderer.lay_out(snap, profile), profile))
                count += 1
    return {"slips": count, "seconds": elapsed, "slips_per_s": count / elapsed,
            "bytes_per_slip": total_bytes / count}


class TimedQueue:
    """Wraps a queue: remembers when each job was marked printed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.printed: dict[int, float] = {}
        self.event = threading.Event()

    def claim(self, printer: str, limit: int = 1, worker: str = "") -> Any:
        return self.inner.claim(printer, limit, worker)

    def resume(self, printer: str, worker: str) -> int:
        return int(self.inner.resume(printer, worker))

    def mark_sending(self, job_id: int) -> None:
        self.inner.mark_sending(job_id)

    def mark_printed(self, job_id: int) -> None:
        self.inner.mark_printed(job_id)
        self.printed[job_id] = time.perf_counter()
        self.event.set()

    def mark_failed(self, job_id: int, error: str, retry: bool) -> str:
        return str(self.inner.mark_failed(job_id, error, retry))

    def set_printer_status(self, printer: str, status: dict[str, Any]) -> None:
        self.inner.set_printer_status(printer, status)


def bench_latency(enqueue: Any, inner: Any, jobs: int, poll: float) -> list[float]:
    capture = CapturePrinter().start()
    queue = TimedQueue(inner)
    worker = PrintWorker(queue, "desk", TcpTransport("127.0.0.1", capture.port),
                         JobRenderer(SlipRenderer(), PROFILES[0]), poll_s=poll)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    latencies = []
    try:
        for i in range(jobs):
            queue.event.clear()
            t0 = time.perf_counter()
            job_id = enqueue(sample_snapshot("zh-CN" if i % 2 else "en"))
            if not queue.event.wait(10):
                raise RuntimeError(f"job {job_id} not printed within 10 s")
            latencies.append((queue.printed[job_id] - t0) * 1000)
    finally:
        stop.set()
        thread.join(5)
        capture.stop()
    if len(capture.jobs) != jobs:
        raise RuntimeError(f"{len(capture.jobs)} jobs captured, {jobs} expected")
    return latencies


def core_queue() -> tuple[Any, Any] | None:
    try:
        from ticketing.model import PrintJob
        from ticketing.outbox import PrintQueue
        from ticketing.ports import SystemClock
        from ticketing.store import Store
    except ImportError:
        return None
    path = Path(tempfile.mkdtemp()) / "bench.sqlite"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    clock = SystemClock()
    queue = PrintQueue(store, clock)

    def enqueue(snapshot: dict[str, Any]) -> int:
        now = clock.now()
        with store.session() as s:
            row = PrintJob(ticket_id=None, printer="desk", kind="slip",
                           language=snapshot["language"], snapshot=snapshot, status="queued",
                           attempts=0, due_at=now, created_at=now, error="")
            s.add(row)
            s.flush()
            return int(row.id)

    return enqueue, queue


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--jobs", type=int, default=300)
    ap.add_argument("--poll", type=float, default=0.005, help="worker idle poll interval (s)")
    args = ap.parse_args()

    render = bench_render(args.seconds)
    fake = FakePrintQueue()
    runs = {"in-memory queue": bench_latency(fake.enqueue, fake, args.jobs, args.poll)}
    core = core_queue()
    if core is not None:
        runs["core PrintQueue (SQLite)"] = bench_latency(core[0], core[1], args.jobs, args.poll)

    print(f"{'figure':<44}{'value':>14}")
    print(f"{'slips rendered to ESC/POS bytes per second':<44}{render['slips_per_s']:>14.0f}")
    print(f"{'  mean bytes per slip':<44}{render['bytes_per_slip']:>14.0f}")
    for name, lat in runs.items():
        print(f"{'queue → printed, ' + name:<44}")
        for label, value in (("p50 ms", statistics.median(lat)), ("p99 ms", pct(lat, 99)),
                             ("max ms", max(lat))):
            print(f"{'  ' + label:<44}{value:>14.2f}")
    print(f"(worker idle poll {args.poll * 1000:.0f} ms; {args.jobs} jobs per run, one at a time)")
    headline = runs.get("core PrintQueue (SQLite)") or runs["in-memory queue"]
    mem = runs["in-memory queue"]
    print(json.dumps({
        "slips_per_s": round(render["slips_per_s"], 1),
        "print_latency_p50_ms": round(statistics.median(headline), 2),
        "print_latency_p99_ms": round(pct(headline, 99), 2),
        "print_latency_p99_ms_inmemory_queue": round(pct(mem, 99), 2),
        "poll_s": args.poll,
    }))


if __name__ == "__main__":
    main()
