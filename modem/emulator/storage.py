"""The SIM's message memories: ``SM`` (received, written and maybe status reports) and
``SR`` (status reports), and the 27.005 commands that use them.

``+CPMS`` chooses the memory ``+CMGR``, ``+CMGL`` and ``+CMGD`` look in (the session's
``mem1``); ``+CMGW`` writes a PDU to ``SM``. Storage outlives an unplug, as on a real SIM. An
SMS from a phone arrives through ``receive``: stored part by part, then announced by ``+CMTI``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from modem import pdu as pdumod
from modem.emulator.commands import Session, int_arg, valid_pdu
from modem.emulator.settings import Settings

# 27.005 <stat> in PDU mode and its text-mode name.
STAT_NAMES = {0: "REC UNREAD", 1: "REC READ", 2: "STO UNSENT", 3: "STO SENT", 4: "ALL"}
STAT_CODES = {v: k for k, v in STAT_NAMES.items()}


@dataclass
class Stored:
    """One stored message or status report: its 27.005 <stat> and its PDU."""

    stat: int
    pdu: str  # hex, with SMSC octets


class SimStorage:
    """The memories and the commands that read and write them (a part of ``ModemEmulator``)."""

    # the emulator's state this part uses
    settings: Settings
    storage: dict[int, Stored]  # "SM": received, written and (maybe) reports
    report_storage: dict[int, Stored]  # "SR": status reports (``report_mode``)
    rejected: list[str]
    in_network: list[str]
    _mr: int
    _in_ref: int
    _session: Session
    _lock: threading.RLock

    if TYPE_CHECKING:
        def _write(self, data: bytes) -> None: ...
        def _reply(self, *lines: str) -> None: ...
        def _error(self, cms: int | None = None, cme: int | None = None) -> None: ...
        def _start_prompt(self, cmd: str, arg: str) -> None: ...
        def _plan_fires(self, cmd: str, when: str) -> bool: ...

    def receive(self, sender: str, text: str, notify: bool = True) -> list[int]:
        """An SMS arrives from ``sender``: stored on the SIM, then ``+CMTI`` per part."""
        return self.receive_burst([(sender, text)], notify)

    def receive_burst(self, messages: list[tuple[str, str]], notify: bool = True) -> list[int]:
        """Several SMS arrive at once; all their ``+CMTI`` go out in ONE write. Each long SMS
        gets its own concatenation reference (a phone counts them 1…255, then wraps)."""
        now = datetime.now(UTC)
        indexes: list[int] = []
        with self._lock:
            for sender, text in messages:
                self._in_ref = self._in_ref % 255 + 1
                for part in _deliver_parts(sender, text, now, self._in_ref):
                    indexes += self._take(part)
            if notify:
                self._announce(indexes)
        return indexes

    def receive_parts(self, sender: str, text: str, reference: int, parts: list[int],
                      notify: bool = True) -> list[int]:
        """Only ``parts`` (1-based) of a long SMS with the given reference: a part the network
        delivers late, or a phone that uses a reference again."""
        now = datetime.now(UTC)
        with self._lock:
            pdus = _deliver_parts(sender, text, now, reference)
            indexes = [i for n in parts for i in self._take(pdus[n - 1])]
            if notify:
                self._announce(indexes)
        return indexes

    def _take(self, pdu: str) -> list[int]:
        """Store a received PDU; a full SIM leaves it with the network, which delivers it once
        a message is deleted (no ``+CMTI`` for a message that was not stored)."""
        index = self._store(Stored(0, pdu))
        if index < 0:
            self.in_network.append(pdu)
            return []
        return [index]

    def _announce(self, indexes: list[int]) -> None:
        if indexes:
            self._write(b"".join(f'\r\n+CMTI: "SM",{i}\r\n'.encode() for i in indexes))

    def _redeliver(self) -> None:
        held, self.in_network = self.in_network, []
        self._announce([i for pdu in held for i in self._take(pdu)])

    def stored_reports(self) -> dict[int, Stored]:
        return self._memory(self.settings.report_memory)

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

    def _c_cmgr(self, op: str, arg: str) -> None:
        item = self._memory(self._session.mem1).get(int_arg(arg))
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
        index = int_arg(parts[0]) if parts[0] else 0
        storage = self._memory(self._session.mem1)
        if flag == 0:
            storage.pop(index, None)
        else:
            doomed = {1: {1}, 2: {1, 3}, 3: {1, 2, 3}, 4: {0, 1, 2, 3}}.get(flag, set())
            for i in [i for i, s in storage.items() if s.stat in doomed]:
                del storage[i]
        self._reply("OK")
        if self.in_network and storage is self.storage:
            self._redeliver()

    def _c_cmgw(self, op: str, arg: str) -> None:
        self._start_prompt("CMGW", arg)

    def _store_written(self, arg: str, text: str) -> None:
        if self._session.text_mode or not valid_pdu(text, arg.split(",")[0]):
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

    def _store(self, item: Stored, mem: str = "SM") -> int:
        storage = self._memory(mem)
        size = self.settings.report_storage_size if mem == "SR" else self.settings.storage_size
        for i in range(1, size + 1):
            if i not in storage:
                storage[i] = item
                return i
        return -1


def _deliver_parts(sender: str, text: str, when: datetime, ref: int) -> list[str]:
    split = pdumod.split_text(text)
    if len(split.parts) == 1:
        return [pdumod.encode_deliver(sender, split.parts[0], when, alphabet=split.alphabet)]
    total = len(split.parts)
    return [pdumod.encode_deliver(sender, p, when, (ref, total, i), split.alphabet)
            for i, p in enumerate(split.parts, start=1)]
