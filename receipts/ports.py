"""What receipts needs from the rest of the center (the core's ``ticketing.outbox.PrintQueue``
satisfies ``PrintQueue`` as it is; ``receipts/fakes.py`` has the in-memory twin)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from receipts.status import PrinterStatus


class PrintJob(Protocol):
    """A claimed job (``ticketing.outbox.PrintJobView``)."""

    @property
    def id(self) -> int: ...
    @property
    def ticket_id(self) -> int | None: ...
    @property
    def printer(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def snapshot(self) -> dict[str, Any]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def reprint(self) -> bool:
        """An earlier attempt was never confirmed: the slip prints marked 补打 / REPRINT."""
        ...


class PrintQueue(Protocol):
    """The durable print queue. ``claim`` leases jobs to ``worker`` (a name that stays the same
    across restarts); a worker that dies leaves the lease to expire and the job comes back, or
    takes its own jobs back at once when it restarts (``resume``). ``mark_sending`` just before
    the first byte: an attempt that is never marked printed or failed makes the next claim a
    reprint. ``mark_failed(retry=True)`` makes the job due again after the queue's backoff; the
    return value is the job's new status (retry | failed)."""

    def claim(self, printer: str, limit: int = 1, worker: str = "") -> Sequence[PrintJob]: ...
    def resume(self, printer: str, worker: str) -> int: ...
    def mark_sending(self, job_id: int) -> None: ...
    def mark_printed(self, job_id: int) -> None: ...
    def mark_failed(self, job_id: int, error: str, retry: bool) -> str: ...
    def set_printer_status(self, printer: str, status: dict[str, Any]) -> None: ...


class PrinterTransport(Protocol):
    """Gets one job's bytes to one printer (``receipts/transports.py``)."""

    def send(self, job: bytes) -> PrinterStatus:
        """Deliver the whole job or raise ``PrinterUnavailable``; returns the status read."""
        ...

    def status(self) -> PrinterStatus: ...
