"""The print loop: claim jobs for one printer, render, send, record the outcome.

Delivery semantics. A job is marked printed only after the transport delivered every byte
(TCP: the printer's stack acknowledged them all and the connection closed cleanly). A
refused connection, a timeout, "paper end" or "cover open" marks the attempt failed with
retry, and the queue makes the job due again after its backoff; the worker itself also backs
off (with jitter) before it tries that printer again. So a job is printed once when the
printer comes back.

The at-least-once edge: if the printer dies *in the middle* of a job, some of the slip may
already be on paper; the attempt fails and the whole slip prints again (a torn slip, then a
whole one). If this process dies between the first byte and ``mark_printed`` (the queue was
told ``mark_sending`` just before), the attempt stays unconfirmed: the job is printed again,
marked 补打 / REPRINT on the slip and on its ticket's timeline, so the kitchen or the worker
knows it is the same job. The worker's name (``identity``: the printer and the host) is the
same after a restart, so a restarted process takes its own unconfirmed jobs again at once
(``resume``) rather than after their lease; another process takes them when the lease runs
out. A slip is never silently lost.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from receipts.escpos import encode
from receipts.labels import label_lines
from receipts.layout import SlipRenderer
from receipts.ports import PrinterTransport, PrintJob, PrintQueue
from receipts.profile import PrinterProfile
from receipts.status import PrinterStatus
from receipts.transports import PrinterUnavailable

log = logging.getLogger(__name__)


class JobRenderer:
    """A job's snapshot → ESC/POS bytes for one printer profile."""

    def __init__(self, renderer: SlipRenderer, profile: PrinterProfile) -> None:
        self.renderer, self.profile = renderer, profile

    def __call__(self, job: PrintJob) -> bytes:
        if job.kind == "labels":  # rooms' QR labels (扫码报修): receipts/labels.py
            laid = label_lines(job.snapshot.get("labels", []), self.profile,
                               str(job.snapshot.get("center_name", "")), job.language)
        else:
            snapshot = dict(job.snapshot, reprint=True) if job.reprint else job.snapshot
            laid = self.renderer.lay_out(snapshot, self.profile, job.kind, job.language)
        return encode(laid, self.profile)


@dataclass
class WorkerStats:
    printed: int = 0
    reprinted: int = 0  # of those, printed again after an unconfirmed attempt
    failed_attempts: int = 0
    given_up: int = 0
    last_error: str = ""
    status: PrinterStatus = field(default_factory=PrinterStatus)


class PrintWorker:
    """Drains ``queue`` for the printer ``printer`` through ``transport``.

    ``render`` turns a job into bytes (``JobRenderer``). ``batch`` jobs are claimed at a time
    while the printer is healthy, one at a time after a failure. ``status_every_s``: how
    often an idle worker reads the printer's status back (so "paper out" shows without a job).
    ``identity``: the name the worker leases jobs under (``receipts.service.WorkerName``);
    its first pass takes back the jobs a previous run under the same name left unconfirmed.
    """

    def __init__(self, queue: PrintQueue, printer: str, transport: PrinterTransport,
                 render: Callable[[PrintJob], bytes], *, batch: int = 4, poll_s: float = 0.5,
                 backoff_min_s: float = 0.5, backoff_max_s: float = 30.0,
                 status_every_s: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None, identity: str = "") -> None:
        self.queue, self.printer, self.transport, self.render = queue, printer, transport, render
        self.identity = identity or printer
        self._resumed = False
        self.batch, self.poll_s, self.status_every_s = batch, poll_s, status_every_s
        self.backoff_min_s, self.backoff_max_s = backoff_min_s, backoff_max_s
        self.clock, self.rng = clock, rng or random.Random()
        self.stats = WorkerStats()
        self._failures = 0
        self._reported: dict[str, Any] | None = None
        self._last_status_at = float("-inf")

    # -- one pass ------------------------------------------------------------------------
    def run_once(self) -> int:
        """Claim and handle due jobs once; returns how many were handled."""
        if not self._resumed:
            resumed = self.queue.resume(self.printer, self.identity)
            self._resumed = True
            if resumed:
                log.warning("printer %s: %d job(s) left unconfirmed by the last run of %s taken "
                            "again now", self.printer, resumed, self.identity)
        jobs = self.queue.claim(self.printer, self.batch if self._failures == 0 else 1,
                                worker=self.identity)
        for i, job in enumerate(jobs):
            if not self._handle(job):
                self._give_back(jobs[i + 1:])
                break
        if not jobs and self.clock() - self._last_status_at >= self._status_interval():
            status = self.transport.status()
            self._report(status)
            if status.state == "ready":
                self._failures = 0  # back: poll at the normal pace again
        return len(jobs)

    def _handle(self, job: PrintJob) -> bool:
        """Print one job; False when the printer is unavailable (stop this batch)."""
        try:
            data = self.render(job)
        except Exception as exc:  # a snapshot the templates cannot print: not retried
            log.exception("printer %s: job %s cannot be rendered", self.printer, job.id)
            self._fail(job, f"render failed: {type(exc).__name__}: {exc}", retry=False)
            return True
        self.queue.mark_sending(job.id)
        try:
            status = self.transport.send(data)
        except PrinterUnavailable as exc:
            log.warning("printer %s: job %s not printed: %s", self.printer, job.id, exc)
            self._failures += 1
            self._fail(job, str(exc), retry=True)
            self._report(exc.status)
            return False
        self.queue.mark_printed(job.id)
        self.stats.printed += 1
        if job.reprint:
            self.stats.reprinted += 1
            log.warning("printer %s: job %s printed again marked 补打 / REPRINT (an earlier "
                        "attempt was not confirmed)", self.printer, job.id)
        self._failures = 0
        self._report(status if status.state != "unknown" else PrinterStatus(
            state="ready", online=True, detail="job delivered; printer gives no status"))
        return True

    def _fail(self, job: PrintJob, error: str, retry: bool) -> None:
        self.stats.failed_attempts += 1
        self.stats.last_error = error
        if self.queue.mark_failed(job.id, error, retry) == "failed":
            self.stats.given_up += 1

    def _give_back(self, jobs: Sequence[PrintJob]) -> None:
        # The core's queue has no un-claim for print jobs: the rest of the batch counts one
        # attempt and comes back after the backoff, like the job that failed.
        for job in jobs:
            self._fail(job, "not attempted: printer unavailable", retry=True)

    def _report(self, status: PrinterStatus) -> None:
        self._last_status_at = self.clock()
        self.stats.status = status
        as_dict = status.to_dict()
        if as_dict != self._reported:  # one row write per change, not per poll
            self.queue.set_printer_status(self.printer, as_dict)
            self._reported = as_dict

    def _status_interval(self) -> float:
        return self.backoff_delay() if self._failures else self.status_every_s

    def backoff_delay(self) -> float:
        """Wait before the next try after ``_failures`` failures in a row (full jitter)."""
        if not self._failures:
            return self.poll_s
        ceiling = min(self.backoff_max_s, self.backoff_min_s * 2 ** (self._failures - 1))
        return self.backoff_min_s / 2 + self.rng.random() * (ceiling - self.backoff_min_s / 2)

    # -- the loop ------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set; nothing that goes wrong in one pass ends the loop."""
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception as exc:  # the store away for a moment: log, wait, go on
                log.exception("printer %s: print loop pass failed", self.printer)
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                handled = 0
                self._failures = max(self._failures, 1)
            if handled and not self._failures:
                continue  # more may be due right away
            stop.wait(self.backoff_delay())

    def health(self) -> dict[str, Any]:
        return {"state": "up" if not self._failures else "retrying",
                "printer": self.stats.status.state, "worker": self.identity,
                "printed": self.stats.printed, "reprinted": self.stats.reprinted,
                "failed_attempts": self.stats.failed_attempts, "given_up": self.stats.given_up,
                "error": self.stats.last_error}
