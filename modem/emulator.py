"""A GSM modem on a pseudo-terminal, answering AT commands as 3GPP TS 27.005/27.007 modems do.

For tests, the bench and ``onestop demo``. One thread owns the pty master. The SIM storage
and the "network" (every SMS the modem submitted, decoded) outlive an unplug, as they do on
real hardware; the pty does not: ``unplug()`` closes it and removes the stable symlink,
``replug()`` makes a new pty and points the symlink at it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import select
import tempfile
import threading
import time
import tty
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from modem import pdu as pdumod
from modem.encoding import normalise_number

log = logging.getLogger(__name__)

CTRL_Z, ESC = 0x1A, 0x1B
# 27.005 <stat> in PDU mode and its text-mode name.
STAT_NAMES = {0: "REC UNREAD", 1: "REC READ", 2: "STO UNSENT", 3: "STO SENT", 4: "ALL"}
STAT_CODES = {v: k for k, v in STAT_NAMES.items()}


@dataclass
class Stored:
    stat: int
    pdu: str  # hex, with SMSC octets


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
    command: str  # CMGS | CMSS | CMGW
    when: str  # before_submit | after_submit | at_prompt
    replug_after_s: float | None = 0.2


@dataclass
class Settings:
    supports_cscs: bool = True
    latency_s: float = 0.0  # per submitted message
    pin: str = ""
    registered: bool = True
    signal: int = 21
    operator: str = "CHINA MOBILE"
    manufacturer: str = "OneStop"
    model: str = "EMU-900"
    imei: str = "867530900000001"
    imsi: str = "460001234567890"
    smsc: str = "+8613800100500"
    storage_size: int = 30
    auto_report: bool = True  # a status report for each SMS that asked for one
    report_delay_s: float = 0.01
    report_status: int = 0  # TP-ST: 0 delivered
    # How status reports reach the host (27.005 §3.4.1, +CNMI <ds>): "cds" follows <ds> (1: the
    # PDU at once as +CDS, 2: stored, announced as +CDSI); "cdsi" is a modem that can only
    # store them: <ds>=1 is refused, reports go to ``report_memory`` and +CDSI names the slot.
    report_mode: str = "cds"
    report_memory: str = "SR"  # "SR" (status report storage) or "SM" (with the messages)
    report_storage_size: int = 20


@dataclass
class _Session:
    """State a reset (ATZ) or an unplug loses; storage and the network are elsewhere."""

    echo: bool = True
    cmee: int = 0
    text_mode: bool = False
    cscs: str = "GSM"
    cnmi: tuple[int, ...] = (0, 0, 0, 0, 0)
    pin_ok: bool = False
    mem1: str = "SM"  # +CPMS <mem1>: where +CMGR, +CMGL and +CMGD look


class ModemEmulator:
    def __init__(self, link: str | os.PathLike[str] | None = None, settings: Settings | None = None,
                 name: str = "emu") -> None:
        self.settings = settings or Settings()
        self.name = name
        self._dir = None if link else tempfile.mkdtemp(prefix="onestop-modem-")
        self.link = Path(link) if link else Path(self._dir or ".") / "ttyMODEM"
        self.sent: list[Submitted] = []
        self.commands: list[str] = []
        self.rejected: list[str] = []  # garbled submissions (what interleaved writers produce)
        self.storage: dict[int, Stored] = {}  # "SM": received, written and (maybe) reports
        self.report_storage: dict[int, Stored] = {}  # "SR": status reports (``report_mode``)
        self.reports_lost = 0  # stored reports dropped because their memory was full
        self.plugged = False
        self._session = _Session(pin_ok=not self.settings.pin)
        self._mr = 0
        self._fail_codes: list[int] = []
        self._unplug: UnplugPlan | None = None
        self._lock = threading.RLock()
        self._master = self._slave = -1
        self._buf = bytearray()
        self._prompt: tuple[str, str] | None = None  # (command, argument) awaiting Ctrl-Z
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.unplugs = 0
        self._due_reports: queue.Queue[tuple[float, int, str, int]] = queue.Queue()
        self._reporter: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The stable device path (a symlink to the current pty slave)."""
        return str(self.link)

    def start(self) -> ModemEmulator:
        self._open_pty()
        self._thread = threading.Thread(target=self._run, name=f"modem-emulator-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self._close_pty()
        if self._dir:
            Path(self._dir).rmdir() if Path(self._dir).exists() and not any(Path(self._dir).iterdir()) else None

    def __enter__(self) -> ModemEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open_pty(self) -> None:
        with self._lock:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)  # no line discipline between us and pyserial
            tty.setraw(self._master)
            tmp = self.link.with_name(self.link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(os.ttyname(self._slave))
            tmp.replace(self.link)  # atomic: the path never points at a dead pty
            self._buf.clear()
            self._prompt = None
            self._session = _Session(pin_ok=not self.settings.pin)
            self.plugged = True

    def _close_pty(self) -> None:
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = -1
            if self.link.is_symlink():
                self.link.unlink(missing_ok=True)
            self.plugged = False

    def unplug(self) -> None:
        """The USB cable is pulled: the device node disappears."""
        log.info("emulator %s: unplugged", self.name)
        self.unplugs += 1
        self._close_pty()

    def replug(self) -> None:
        """Plugged back in: a new pty behind the same path."""
        if not self.plugged:
            self._open_pty()
            log.info("emulator %s: plugged in at %s", self.name, self.link)

    # --- test controls ---------------------------------------------------------------

    def fail_next(self, code: int, times: int = 1) -> None:
        """The next ``times`` submissions answer ``+CMS ERROR: code`` and are not sent."""
        with self._lock:
            self._fail_codes.extend([code] * times)

    def unplug_during(self, command: str = "CMSS", when: str = "after_submit",
                      replug_after_s: float | None = 0.2) -> None:
        """Pull the cable during the next ``command``: at its ``> `` prompt, just before the
        network gets the SMS, or just after (the modem sent it; nobody heard ``+CMGS``)."""
        self._unplug = UnplugPlan(command, when, replug_after_s)

    def receive(self, sender: str, text: str, notify: bool = True) -> list[int]:
        """An SMS arrives from ``sender``: stored on the SIM, then ``+CMTI`` per part."""
        return self.receive_burst([(sender, text)], notify)

    def receive_burst(self, messages: list[tuple[str, str]], notify: bool = True) -> list[int]:
        """Several SMS arrive at once; all their ``+CMTI`` go out in ONE write."""
        now = datetime.now(UTC)
        indexes: list[int] = []
        with self._lock:
            for sender, text in messages:
                for part in _deliver_parts(sender, text, now, self._mr):
                    indexes.append(self._store(Stored(0, part)))
            if notify:
                self._write(b"".join(f'\r\n+CMTI: "SM",{i}\r\n'.encode() for i in indexes))
        return indexes

    def inject_raw(self, data: bytes) -> None:
        """Write raw bytes (line noise, a firmware's Latin-1 banner) to the host."""
        with self._lock:
            self._write(data)

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

    def stored_reports(self) -> dict[int, Stored]:
        return self._memory(self.settings.report_memory)

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

    # --- the thread ------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            fd = self._master
            if fd < 0:
                time.sleep(0.01)
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.05)
                data = os.read(fd, 4096) if ready else b""
            except (OSError, ValueError):
                time.sleep(0.01)  # unplugged under us, or the host closed its end
                continue
            if data:
                self._feed(data)

    def _feed(self, data: bytes) -> None:
        self._buf.extend(data)
        while True:
            if self._prompt is not None:
                end = _find_any(self._buf, (CTRL_Z, ESC))
                if end < 0:
                    return
                body, term = bytes(self._buf[:end]), self._buf[end]
                del self._buf[:end + 1]
                self._finish_prompt(body, term)
                continue
            end = _find_any(self._buf, (0x0D,))
            if end < 0:
                return
            line = bytes(self._buf[:end]).strip(b"\n\r ")
            del self._buf[:end + 1]
            if line:
                self._line(line.decode("latin-1"))

    def _write(self, data: bytes) -> None:
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.write(self._master, data)

    def _reply(self, *lines: str) -> None:
        self._write(b"".join(f"\r\n{ln}\r\n".encode() for ln in lines))

    def _error(self, cms: int | None = None, cme: int | None = None) -> None:
        s = self._session
        if cms is not None and s.cmee:
            self._reply(f"+CMS ERROR: {cms}")
        elif cme is not None and s.cmee:
            self._reply(f"+CME ERROR: {cme}")
        else:
            self._reply("ERROR")

    # --- commands --------------------------------------------------------------------

    def _line(self, line: str) -> None:
        with self._lock:
            self.commands.append(line)
            if self._session.echo:
                self._write(line.encode("latin-1") + b"\r")
            upper = line.upper()
            if not upper.startswith("AT"):
                self._error()
                return
            self._command(upper[2:], line[2:])

    def _command(self, cmd: str, raw: str) -> None:
        simple = _SIMPLE.get(cmd)
        if simple is not None:
            self._reply(*[x.format(self=self) for x in simple], "OK")
            return
        if cmd in ("", "Z") or cmd.startswith("&F"):
            if cmd:
                self._session = _Session(pin_ok=self._session.pin_ok)
            self._reply("OK")
            return
        if re.fullmatch(r"E[01]?", cmd):
            self._session.echo = cmd.endswith("1")
            self._reply("OK")
            return
        m = re.fullmatch(r"\+([A-Z]+)(=\?|\?|=(.*))?", cmd, re.S)
        if not m:
            self._error(cme=100)
            return
        name, op, arg = m.group(1), m.group(2) or "", raw[len(m.group(1)) + 2:] if m.group(3) is not None else ""
        handler = getattr(self, f"_c_{name.lower()}", None)
        if handler is None:
            self._error(cme=4)
            return
        if name not in _NO_PIN and not self._session.pin_ok:
            self._error(cms=311, cme=11)
            return
        handler(op[:2] if op.startswith("=?") else op[:1], arg)

    # Each handler: (op, arg) with op "" (action), "?" (read), "=?" (test) or "=" (set).

    def _c_cmee(self, op: str, arg: str) -> None:
        if op == "=":
            self._session.cmee = int(arg or 0)
        self._reply(*([f"+CMEE: {self._session.cmee}"] if op == "?" else []), "OK")

    def _c_cpin(self, op: str, arg: str) -> None:
        if op == "?":
            self._reply("+CPIN: " + ("READY" if self._session.pin_ok else "SIM PIN"), "OK")
        elif op == "=" and arg.strip('"') == self.settings.pin:
            self._session.pin_ok = True
            self._reply("OK")
        else:
            self._error(cme=16)

    def _c_creg(self, op: str, arg: str) -> None:
        stat = 1 if self.settings.registered else 2
        self._reply(*([f"+CREG: 0,{stat}"] if op == "?" else []), "OK")

    def _c_csq(self, op: str, arg: str) -> None:
        self._reply(f"+CSQ: {self.settings.signal},99", "OK")

    def _c_cops(self, op: str, arg: str) -> None:
        self._reply(*([f'+COPS: 0,0,"{self.settings.operator}",7'] if op == "?" else []), "OK")

    def _c_cfun(self, op: str, arg: str) -> None:
        self._reply(*(["+CFUN: 1"] if op == "?" else []), "OK")

    def _c_cmgf(self, op: str, arg: str) -> None:
        if op == "=" and arg.strip() in ("0", "1"):
            self._session.text_mode = arg.strip() == "1"
        elif op == "=?":
            self._reply("+CMGF: (0,1)", "OK")
            return
        elif op == "?":
            self._reply(f"+CMGF: {int(self._session.text_mode)}", "OK")
            return
        elif op == "=":
            self._error(cms=302)
            return
        self._reply("OK")

    def _c_cscs(self, op: str, arg: str) -> None:
        if not self.settings.supports_cscs:
            self._error(cme=4)
        elif op == "=?":
            self._reply('+CSCS: ("GSM","UCS2","IRA")', "OK")
        elif op == "?":
            self._reply(f'+CSCS: "{self._session.cscs}"', "OK")
        elif arg.strip('"') in ("GSM", "UCS2", "IRA"):
            self._session.cscs = arg.strip('"')
            self._reply("OK")
        else:
            self._error(cme=4)

    def _c_csmp(self, op: str, arg: str) -> None:
        self._reply(*(["+CSMP: 17,167,0,0"] if op == "?" else []), "OK")

    def _c_cnmi(self, op: str, arg: str) -> None:
        only_stored = self.settings.report_mode == "cdsi"
        if op == "=":
            cnmi = tuple(_int(x) if x.strip() else 0 for x in arg.split(","))
            if only_stored and cnmi[3:4] == (1,):
                self._error(cms=303)  # operation not supported: this modem only stores reports
                return
            self._session.cnmi = cnmi
        ds = "(0,2)" if only_stored else "(0-2)"
        self._reply(*([f"+CNMI: (0-2),(0-3),(0-3),{ds},(0,1)"] if op == "=?" else []), "OK")

    def _c_cpms(self, op: str, arg: str) -> None:
        if op == "=?":
            self._reply('+CPMS: ("SM","SR"),("SM"),("SM")', "OK")
            return
        sm = f"{len(self.storage)},{self.settings.storage_size}"
        if op == "?":
            mem1 = self._session.mem1
            self._reply(f'+CPMS: "{mem1}",{self._usage(mem1)},"SM",{sm},"SM",{sm}', "OK")
            return
        mems = [m.strip().strip('"').upper() for m in arg.split(",")]
        if not mems[0] or mems[0] not in ("SM", "SR") or any(m not in ("", "SM") for m in mems[1:]):
            self._error(cms=302)
            return
        self._session.mem1 = mems[0]
        self._reply(f"+CPMS: {self._usage(mems[0])},{sm},{sm}", "OK")

    def _usage(self, mem: str) -> str:
        size = self.settings.report_storage_size if mem == "SR" else self.settings.storage_size
        return f"{len(self._memory(mem))},{size}"

    def _memory(self, mem: str) -> dict[int, Stored]:
        return self.report_storage if mem == "SR" else self.storage

    def _c_csca(self, op: str, arg: str) -> None:
        if op == "=":
            self.settings.smsc = arg.split(",")[0].strip('"')
        self._reply(*([f'+CSCA: "{self.settings.smsc}",145'] if op == "?" else []), "OK")

    def _c_cmms(self, op: str, arg: str) -> None:
        self._reply(*(["+CMMS: 0"] if op == "?" else []), "OK")

    def _c_clac(self, op: str, arg: str) -> None:
        names = [n[3:].upper() for n in dir(self) if n.startswith("_c_")]
        if not self.settings.supports_cscs:
            names.remove("CSCS")
        self._reply("+CLAC: " + ",".join("+" + n for n in sorted(names)), "OK")

    def _c_clip(self, op: str, arg: str) -> None:
        self._reply("OK")

    _c_crc = _c_cvhu = _c_clip

    def _c_cmgr(self, op: str, arg: str) -> None:
        item = self._memory(self._session.mem1).get(_int(arg))
        if item is None:
            self._error(cms=321)
            return
        self._reply(*self._listing("CMGR", None, item), "OK")
        if item.stat == 0:
            item.stat = 1

    def _c_cmgl(self, op: str, arg: str) -> None:
        want = self._stat_arg(arg or ("\"REC UNREAD\"" if self._session.text_mode else "0"))
        if want is None:
            self._error(cms=302)
            return
        lines: list[str] = []
        storage = self._memory(self._session.mem1)
        for index in sorted(storage):
            item = storage[index]
            if want in (4, item.stat):
                lines += self._listing("CMGL", index, item)
                if item.stat == 0:
                    item.stat = 1
        self._reply(*lines, "OK")

    def _stat_arg(self, arg: str) -> int | None:
        arg = arg.strip()
        if self._session.text_mode:
            return STAT_CODES.get(arg.strip('"').upper())
        return int(arg) if arg.isdigit() and int(arg) in STAT_NAMES else None

    def _listing(self, cmd: str, index: int | None, item: Stored) -> list[str]:
        head = f"+{cmd}: " + (f"{index}," if index is not None else "")
        if not self._session.text_mode:
            length = len(item.pdu) // 2 - 1 - int(item.pdu[:2], 16)
            return [f"{head}{item.stat},,{length}", item.pdu]
        d = pdumod.decode(item.pdu)
        when = (d.timestamp or datetime.now(UTC)).strftime('%y/%m/%d,%H:%M:%S+32')
        if d.kind == "status_report":  # 27.005 text mode: <stat>,<fo>,<mr>,<ra>,<tora>,<scts>,<dt>,<st>
            return [f'{head}"{STAT_NAMES[item.stat]}",6,{d.reference},"{d.number}",145,"{when}","{when}",'
                    f'{d.status}']
        text = d.text.encode("utf-16-be").hex().upper() if self._session.cscs == "UCS2" else d.text
        return [f'{head}"{STAT_NAMES[item.stat]}","{d.number}",,"{when}"', text]

    def _c_cmgd(self, op: str, arg: str) -> None:
        parts = [p.strip() for p in arg.split(",")]
        flag = int(parts[1]) if len(parts) > 1 and parts[1] else 0
        index = _int(parts[0]) if parts[0] else 0
        storage = self._memory(self._session.mem1)
        if flag == 0:
            storage.pop(index, None)
        else:
            doomed = {1: {1}, 2: {1, 3}, 3: {1, 2, 3}, 4: {0, 1, 2, 3}}.get(flag, set())
            for i in [i for i, s in storage.items() if s.stat in doomed]:
                del storage[i]
        self._reply("OK")

    def _c_cmgs(self, op: str, arg: str) -> None:
        self._start_prompt("CMGS", arg)

    def _c_cmgw(self, op: str, arg: str) -> None:
        self._start_prompt("CMGW", arg)

    def _start_prompt(self, cmd: str, arg: str) -> None:
        if self._plan_fires(cmd, "at_prompt"):
            return
        self._prompt = (cmd, arg)
        self._write(b"\r\n> ")

    def _c_cmss(self, op: str, arg: str) -> None:
        item = self.storage.get(_int(arg.split(",")[0]))
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
                self._submit("CMGS", "" if not _valid_pdu(text, arg) else text)

    def _store_written(self, arg: str, text: str) -> None:
        if self._session.text_mode or not _valid_pdu(text, arg.split(",")[0]):
            self.rejected.append(text)
            self._error(cms=304)
            return
        stat = int(arg.split(",")[1]) if "," in arg else 2
        if self._plan_fires("CMGW", "before_submit"):
            return
        index = self._store(Stored(stat, text))
        if index < 0:
            self._error(cms=322)
            return
        if self._plan_fires("CMGW", "after_submit"):
            return
        self._reply(f"+CMGW: {index}", "OK")

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

    def _store(self, item: Stored, mem: str = "SM") -> int:
        storage = self._memory(mem)
        size = self.settings.report_storage_size if mem == "SR" else self.settings.storage_size
        for i in range(1, size + 1):
            if i not in storage:
                storage[i] = item
                return i
        return -1


_SIMPLE = {
    "+CGMI": ["{self.settings.manufacturer}"], "+CGMM": ["{self.settings.model}"],
    "+CGMR": ["1.0"], "+CGSN": ["{self.settings.imei}"], "+CIMI": ["{self.settings.imsi}"],
    "I": ["{self.settings.manufacturer} {self.settings.model}"],
}
_NO_PIN = {"CPIN", "CMEE", "CGMI", "CGMM", "CGMR", "CGSN", "CFUN", "CLAC", "CSQ", "CREG", "COPS"}


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return -1


def _find_any(buf: bytearray, bytes_: tuple[int, ...]) -> int:
    hits = [i for i in (buf.find(b) for b in bytes_) if i >= 0]
    return min(hits) if hits else -1


def _valid_pdu(text: str, length_arg: str) -> bool:
    try:
        data = bytes.fromhex(text)
        return len(data) - 1 - data[0] == int(length_arg)
    except (ValueError, IndexError):
        return False


def _deliver_parts(sender: str, text: str, when: datetime, ref: int) -> list[str]:
    split = pdumod.split_text(text)
    if len(split.parts) == 1:
        return [pdumod.encode_deliver(sender, split.parts[0], when, alphabet=split.alphabet)]
    total = len(split.parts)
    return [pdumod.encode_deliver(sender, p, when, (ref, total, i), split.alphabet)
            for i, p in enumerate(split.parts, start=1)]
