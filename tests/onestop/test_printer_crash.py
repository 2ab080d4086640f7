"""A real ``onestop serve`` printing to a loopback TCP 9100 capture printer is SIGKILLed after
the printer has a slip's last byte and before the process could mark it printed. Restarted,
it takes its own unconfirmed jobs back at once (their lease has two minutes to run) and
prints that slip again marked 补打, the others once; the ticket's timeline has the reprint.
On the suite's engine (SQLite, or PostgreSQL with ONESTOP_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from onestop.core import Core, build_core
from receipts.capture import CapturePrinter
from receipts.transports import AFTER_JOB_QUERY
from tests.conftest import ROOT
from tests.receipts.escpos_decoder import decode
from tests.ticketing.factories import small_hospital
from ticketing.model import PrintJob
from ticketing.service import NewTicket


class KillingPrinter(CapturePrinter):
    """Kills ``victim`` the moment a job's last byte and the after-job status query are in,
    and leaves the query unanswered: the sender is still waiting for it when it dies."""

    victim = 0

    def _answer_queries(self, conn: socket.socket, raw: bytearray, start: int) -> None:
        if self.victim and raw.endswith(AFTER_JOB_QUERY) and b"\x1b@" in raw:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = 0
            return
        super()._answer_queries(conn, raw, start)


def _serve(db_url: str, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update({"ONESTOP_DATABASE_URL": db_url, "ONESTOP_DATA_DIR": str(data_dir),
                "ONESTOP_PRINTER_PRINTERS": json.dumps(
                    [{"name": "desk", "transport": "tcp", "target": f"127.0.0.1:{port}"}]),
                "PYTHONUNBUFFERED": "1"})
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "onestop", "serve", "--no-web", "--no-ami", "--no-agi",
             "--no-modem", "--no-sweeper"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def core(db_url: str) -> Iterator[Core]:
    c = build_core(Settings(database_url=db_url))
    yield c
    c.close()


def _jobs(core: Core) -> dict[int, tuple[str, bool]]:
    with core.store.session() as s:
        return {j.ticket_id: (j.status, j.reprint) for j in s.query(PrintJob)}


def test_killed_between_send_and_mark_the_slip_prints_again_at_once_marked(
        db_url: str, core: Core, tmp_path: Path) -> None:
    small_hospital(core.store)
    ids = []
    for _ in range(3):
        t = core.service.accept("li", NewTicket(service_type="repair", description="灯不亮",
                                                location_code="10305", reporter_phone="6123"))
        core.service.dispatch("li", t.id, ["W001"])
        ids.append(t.id)
    log = tmp_path / "serve.log"
    printer = KillingPrinter().start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        first = _serve(db_url, tmp_path, printer.port, log)
        procs.append(first)
        printer.victim = first.pid
        assert first.wait(60) == -signal.SIGKILL, log.read_text()
        assert len(printer.wait_for_jobs(1, 10)) == 1  # on paper, never marked
        assert _jobs(core)[ids[0]] == ("printing", False)

        started = time.monotonic()
        second = _serve(db_url, tmp_path, printer.port, log)
        procs.append(second)
        deadline = started + 40  # the lease would keep the jobs for 120 s
        while any(status != "printed" for status, _ in _jobs(core).values()):
            assert time.monotonic() < deadline, (_jobs(core), log.read_text()[-3000:])
            assert second.poll() is None, log.read_text()[-3000:]
            time.sleep(0.1)
        jobs = printer.wait_for_jobs(4, 10)
    finally:
        for proc in procs:
            _stop(proc)
        printer.stop()

    slips = [decode(j.data) for j in jobs]
    assert len(slips) == 4 and all(not s.errors for s in slips)
    ticket = [int(s.qr_payloads[0].rsplit("/", 1)[1]) for s in slips]  # .../desk/tickets/<id>
    assert Counter(ticket) == Counter({ids[0]: 2, ids[1]: 1, ids[2]: 1})
    marked = [t for t, s in zip(ticket, slips, strict=True) if "** 补打 **" in s.text]
    assert marked == [ids[0]] and ticket[0] == ids[0]
    assert "补打" not in slips[0].text  # the copy printed before the kill
    assert _jobs(core) == {ids[0]: ("printed", True), ids[1]: ("printed", False),
                           ids[2]: ("printed", False)}
    steps = [(e.action, e.actor) for e in core.service.get(ids[0]).timeline]
    assert ("reprint", "printer") in steps
    assert "taken again now" in log.read_text()
