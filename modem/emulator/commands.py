"""The AT command parser and dispatcher, and the modem's general commands (27.007).

A line starting with ``AT`` is echoed (``ATE``), parsed into a command name, an operation —
action, read (``?``), test (``=?``) or set (``=``) — and its argument, and dispatched to the
handler ``_c_<name>`` of whichever part of the emulator defines it; errors follow ``+CMEE``.
The SMS commands (27.005) live with storage and the network.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modem.emulator.settings import Settings


@dataclass
class Session:
    """State a reset (ATZ) or an unplug loses; storage and the network are elsewhere."""

    echo: bool = True
    cmee: int = 0
    text_mode: bool = False
    cscs: str = "GSM"
    cnmi: tuple[int, ...] = (0, 0, 0, 0, 0)
    pin_ok: bool = False
    mem1: str = "SM"  # +CPMS <mem1>: where +CMGR, +CMGL and +CMGD look


class AtCommands:
    """Parsing, dispatch and the general commands (a part of ``ModemEmulator``)."""

    # the emulator's state this part uses
    settings: Settings
    commands: list[str]  # every line received, for tests
    _session: Session
    _lock: threading.RLock

    if TYPE_CHECKING:
        def _write(self, data: bytes) -> None: ...

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
                self._session = Session(pin_ok=self._session.pin_ok)
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
            cnmi = tuple(int_arg(x) if x.strip() else 0 for x in arg.split(","))
            if only_stored and cnmi[3:4] == (1,):
                self._error(cms=303)  # operation not supported: this modem only stores reports
                return
            self._session.cnmi = cnmi
        ds = "(0,2)" if only_stored else "(0-2)"
        self._reply(*([f"+CNMI: (0-2),(0-3),(0-3),{ds},(0,1)"] if op == "=?" else []), "OK")

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


_SIMPLE = {
    "+CGMI": ["{self.settings.manufacturer}"], "+CGMM": ["{self.settings.model}"],
    "+CGMR": ["1.0"], "+CGSN": ["{self.settings.imei}"], "+CIMI": ["{self.settings.imsi}"],
    "I": ["{self.settings.manufacturer} {self.settings.model}"],
}
_NO_PIN = {"CPIN", "CMEE", "CGMI", "CGMM", "CGMR", "CGSN", "CFUN", "CLAC", "CSQ", "CREG", "COPS"}


def int_arg(text: str) -> int:
    """A numeric argument; -1 if it is not a number (no such index)."""
    try:
        return int(text.strip())
    except ValueError:
        return -1


def valid_pdu(text: str, length_arg: str) -> bool:
    """Hex with an SMSC octet and a TPDU as long as the command said."""
    try:
        data = bytes.fromhex(text)
        return len(data) - 1 - data[0] == int(length_arg)
    except (ValueError, IndexError):
        return False
