"""The network side: messages submitted (``+CMGS``, ``+CMSS``), delivery reports, faults.

Every SMS the modem hands to the network is kept, decoded, in ``sent`` (it outlives an
unplug); ``delivered_texts`` reassembles concatenated parts. A submission that asked for a
status report gets one after the network latency: pushed as ``+CDS`` or stored and
announced as ``+CDSI`` (``Settings.report_mode``, ``+CNMI`` <ds>). Tests inject faults:
``fail_next`` (``+CMS ERROR``) and ``unplug_during`` (the cable pulled at a prompt, just
before or just after the network takes a message).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from modem import pdu as pdumod
from modem.emulator.commands import Session, int_arg, valid_pdu
from modem.emulator.pty import ESC
from modem.emulator.settings import Settings
from modem.emulator.storage import Stored
from modem.encoding import normalise_number

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """One SMS (one part) the modem handed to the network."""

    number: str
    text: str
    alphabet: str
    reference: int  # the TP-MR the modem answered with
    concat: tuple[int, int, int] | None
    status_report: bool
    pdu: str
    via: str  # CMGS | CMSS | CMGS-text
    at: float


@dataclass
class UnplugPlan:
    """When ``unplug_during`` pulls the cable, and whether it goes back in."""

    command: str  # CMGS | CMSS | CMGW
    when: str  # before_submit | after_submit | at_prompt
    replug_after_s: float | None = 0.2


class Network:
    """Submission, status reports and injected faults (a part of ``ModemEmulator``)."""

    # the emulator's state this part uses
    name: str
    settings: Settings
    sent: list[Submitted]
    storage: dict[int, Stored]
    rejected: list[str]  # garbled submissions (what interleaved writers produce)
    reports_lost: int  # stored reports dropped because their memory was full
    plugged: bool
    _session: Session
    _mr: int  # the next TP-MR
    _fail_codes: list[int]
    _unplug: UnplugPlan | None
    _lock: threading.RLock
    _prompt: tuple[str, str] | None
    _stop: threading.Event
    _due_reports: queue.Queue[tuple[float, int, str, int]]
    _reporter: threading.Thread | None

    if TYPE_CHECKING:
        def _write(self, data: bytes) -> None: ...
        def _reply(self, *lines: str) -> None: ...
        def _error(self, cms: int | None = None, cme: int | None = None) -> None: ...
        def _store(self, item: Stored, mem: str = "SM") -> int: ...
        def _store_written(self, arg: str, text: str) -> None: ...
        def unplug(self) -> None: ...
        def replug(self) -> None: ...

    def fail_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` submissions answer ``+CMS ERROR: code`` and are not sent."""
        with self._lock:
            self._fail_codes.extend([code] * times)

    def unplug_during(self, command: str = "CMSS", when: str = "after_submit",
                      replug_after_s: float | None = 0.2) -> None:
        """Pull the cable during the next ``command``: at its ``> `` prompt, just before the
        network gets the SMS, or just after (the modem sent it; nobody heard ``+CMGS``)."""
        self._unplug = UnplugPlan(command, when, replug_after_s)

    def status_report(self, reference: int, number: str, status: int = 0, notify: bool = True) -> None:
        """A status report for a message reference (status 0 delivered, 0x40+ failed): ``+CDS``
        with the PDU, or stored and announced as ``+CDSI: "<mem>",<index>`` (see ``report_mode``)."""
        self.status_report_burst([(reference, number, status)], notify)

    def status_report_burst(self, reports: list[tuple[int, str, int]], notify: bool = True) -> None:
        """Several reports at once, all their URCs in ONE write. ``notify=False``: stored
        silently (a +CDSI the host never heard)."""
        now = datetime.now(UTC)
        out: list[bytes] = []
        with self._lock:
            for reference, number, status in reports:
                hexpdu, length = pdumod.encode_status_report(reference, number, now, now, status)
                if not self.stores_reports:
                    out.append(f"\r\n+CDS: {length}\r\n{hexpdu}\r\n".encode())
                    continue
                mem = self.settings.report_memory
                index = self._store(Stored(0, hexpdu), mem)
                if index < 0:
                    self.reports_lost += 1
                    log.warning("emulator %s: %s full, status report for MR %s lost", self.name, mem, reference)
                    continue
                out.append(f'\r\n+CDSI: "{mem}",{index}\r\n'.encode())
            if notify and out:
                self._write(b"".join(out))

    @property
    def stores_reports(self) -> bool:
        """Status reports go to storage (+CDSI) rather than straight to the host (+CDS)."""
        return self.settings.report_mode == "cdsi" or self._session.cnmi[3:4] == (2,)

    def delivered_texts(self) -> dict[str, list[str]]:
        """Whole messages per number, reassembled from concatenated parts, in order sent."""
        out: dict[str, list[str]] = {}
        groups: dict[tuple[str, int, int], dict[int, str]] = {}
        for s in list(self.sent):
            if s.concat is None:
                out.setdefault(s.number, []).append(s.text)
                continue
            key = (s.number, s.concat[0], s.concat[1])
            parts = groups.setdefault(key, {})
            parts[s.concat[2]] = s.text
            if len(parts) == s.concat[1]:
                out.setdefault(s.number, []).append("".join(parts[i] for i in sorted(parts)))
                del groups[key]
        return out

    # --- submission ------------------------------------------------------------------

    def _c_cmgs(self, op: str, arg: str) -> None:
        self._start_prompt("CMGS", arg)

    def _start_prompt(self, cmd: str, arg: str) -> None:
        if self._plan_fires(cmd, "at_prompt"):
            return
        self._prompt = (cmd, arg)
        self._write(b"\r\n> ")

    def _c_cmss(self, op: str, arg: str) -> None:
        item = self.storage.get(int_arg(arg.split(",")[0]))
        if item is None:
            self._error(cms=321)
            return
        self._submit("CMSS", item.pdu, stored=item)

    def _finish_prompt(self, body: bytes, term: int) -> None:
        with self._lock:
            cmd, arg = self._prompt or ("", "")
            self._prompt = None
            if term == ESC:
                self._reply("OK")
                return
            text = body.decode("latin-1").strip("\r\n ")
            if cmd == "CMGW":
                self._store_written(arg, text)
            elif self._session.text_mode:
                self._submit_text(arg, text)
            else:
                self._submit("CMGS", "" if not valid_pdu(text, arg) else text)

    def _submit_text(self, arg: str, text: str) -> None:
        number = arg.split(",")[0].strip('"')
        if self._session.cscs == "UCS2":
            try:
                text = bytes.fromhex(text).decode("utf-16-be")
                number = bytes.fromhex(number).decode("utf-16-be")
            except ValueError:
                self.rejected.append(text)
                self._error(cms=304)
                return
        try:
            hexpdu = pdumod.encode_submit(normalise_number(number), text, status_report=False)[0].hex
        except ValueError:
            self.rejected.append(text)
            self._error(cms=304)
            return
        self._submit("CMGS", hexpdu, via="CMGS-text")

    def _submit(self, cmd: str, hexpdu: str, stored: Stored | None = None, via: str = "") -> None:
        if not hexpdu:
            self._error(cms=304)
            return
        try:
            decoded = pdumod.decode(hexpdu)
        except ValueError:
            self.rejected.append(hexpdu)
            self._error(cms=304)
            return
        if self._fail_codes:
            self._error(cms=self._fail_codes.pop(0))
            return
        if self._plan_fires(cmd, "before_submit"):
            return
        mr = self._mr  # from here on the network has it: its report is due after the latency
        self._mr = (self._mr + 1) % 256
        if decoded.status_report_requested and self.settings.auto_report and self._session.cnmi[3:4] in ((1,), (2,)):
            # scheduled now, while the network is busy, not when the answer goes out and the
            # host is busiest: the emulator shares the host's interpreter, a real modem does not
            self._schedule_report(mr, decoded.number, self.settings.latency_s)
        if self.settings.latency_s:
            self._lock.release()  # a slow network must not stop test controls
            try:
                time.sleep(self.settings.latency_s)
            finally:
                self._lock.acquire()
        self.sent.append(Submitted(decoded.number, decoded.text, decoded.alphabet, mr, decoded.concat,
                                   decoded.status_report_requested, hexpdu, via or cmd, time.monotonic()))
        if stored is not None:
            stored.stat = 3
        if self._plan_fires(cmd, "after_submit"):
            return
        self._reply(f"+{cmd}: {mr}", "OK")

    # --- status reports on their way, planned unplugs --------------------------------

    def _schedule_report(self, mr: int, number: str, after_s: float = 0.0) -> None:
        # one reporter thread, not a thread per report: the emulator shares the host's interpreter
        self._due_reports.put((time.monotonic() + after_s + self.settings.report_delay_s, mr, number,
                               self.settings.report_status))
        if self._reporter is None:
            self._reporter = threading.Thread(target=self._report_loop, name=f"modem-emulator-{self.name}-cds",
                                              daemon=True)
            self._reporter.start()

    def _report_loop(self) -> None:
        while not self._stop.is_set():
            try:
                due, mr, number, status = self._due_reports.get(timeout=0.2)
            except queue.Empty:
                continue
            self._stop.wait(max(0.0, due - time.monotonic()))
            if self.plugged and not self._stop.is_set():
                self.status_report(mr, number, status)

    def _plan_fires(self, cmd: str, when: str) -> bool:
        plan = self._unplug
        if plan is None or plan.command != cmd or plan.when != when:
            return False
        self._unplug = None
        self.unplug()
        if plan.replug_after_s is not None:
            t = threading.Timer(plan.replug_after_s, self.replug)
            t.daemon = True
            t.start()
        return True
