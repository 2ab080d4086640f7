"""Sending exactly once: each part journalled on the SIM before it goes out.

An SMS counts as sent when the modem has given a reference for every part. Each part is
first written to the SIM (``AT+CMGW``, "stored unsent") and sent from there (``AT+CMSS``,
which marks the copy "stored sent"); the copies are deleted (``AT+CMGD``) once every part
is out. PDUs are deterministic (the outbox id is their reference), so a retry after the port
went away (``check_stored``) finds on the SIM which parts already left, and sends only the
rest. Mixed into ``ModemGateway`` and run on its owner thread.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from gsmmodem.exceptions import CmsError, CommandError, TimeoutException

from modem import pdu as pdumod
from modem.gateway.at import first_match, parse_cmgl
from modem.gateway.library import GuardedModem, Guards
from modem.gateway.results import Health, PortGone, SendAmbiguous, SendResult, SmsRejected


class SendJournal:
    """Sending through the SIM's storage (a part of ``ModemGateway``)."""

    # the gateway's settings and state this part uses
    guards: Guards
    health: Health
    command_timeout_s: float
    submit_timeout_s: float
    _modem: GuardedModem | None
    _thread: threading.Thread | None
    _pending_in: set[int]

    if TYPE_CHECKING:
        def _write(self, data: str, timeout: float | None = None, term: str = "\r",
                   expect: str | None = None) -> list[str]: ...
        def _hand_results(self) -> None: ...

    def _send(self, number: str, text: str, tag: int, check_stored: bool) -> SendResult:
        if not self.guards.own_pdu:
            return self._library_send(number, text)
        return self._send_pdus(pdumod.encode_submit(number, text, tag=tag, concat_ref=tag, status_report=True),
                               check_stored)

    def _send_pdus(self, pdus: list[pdumod.SubmitPdu], check_stored: bool) -> SendResult:
        stored = self._stored_outgoing() if check_stored else {}
        refs: list[int] = []
        indexes: list[int] = []
        for p in pdus:
            index, stat = stored.get(p.hex, (-1, -1))
            if stat == 3:  # the modem sent this part before the port went away
                refs.append(-1)
                indexes.append(index)
                continue
            if index < 0:
                index = self._store_pdu(p)
            indexes.append(index)
            refs.append(self._send_stored(index))
        self._delete(indexes)
        self.health.sent += 1
        return SendResult(tuple(refs), len(pdus))

    def _store_pdu(self, p: pdumod.SubmitPdu) -> int:
        try:
            self._write(f"AT+CMGW={p.tpdu_length},2", timeout=5, expect="> ")
            lines = self._write(p.hex, timeout=self.command_timeout_s, term="\x1a")
        except CmsError as exc:
            raise SmsRejected(exc.code, "CMGW") from exc
        except TimeoutException as exc:
            raise SendAmbiguous(f"no answer to AT+CMGW: {exc}") from exc
        m = first_match(r"\+CMGW:\s*(\d+)", lines)
        if m is None:
            raise CommandError(f"no +CMGW index in {lines!r}")
        return int(m.group(1))

    def _send_stored(self, index: int) -> int:
        if self._modem is not None and threading.current_thread() is self._thread:
            self._modem.while_waiting = self._hand_results  # while the network has the modem
        try:
            lines = self._write(f"AT+CMSS={index}", timeout=self.submit_timeout_s)
        except CmsError as exc:
            self._delete([index])
            raise SmsRejected(exc.code, "CMSS") from exc
        except PortGone as exc:
            raise SendAmbiguous(f"port vanished during AT+CMSS: {exc}") from exc
        except TimeoutException as exc:
            raise SendAmbiguous(f"no answer to AT+CMSS: {exc}") from exc
        m = first_match(r"\+CMSS:\s*(\d+)", lines)
        if m is None:
            raise SendAmbiguous(f"no +CMSS reference in {lines!r}")
        return int(m.group(1))

    def _stored_outgoing(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for stat in (2, 3):
            for index, _, hexpdu in parse_cmgl(self._write(f"AT+CMGL={stat}")):
                out[hexpdu.upper()] = (index, stat)
        return out

    def _delete(self, indexes: tuple[int, ...] | list[int]) -> None:
        for i in indexes:
            if i >= 0:
                self._write(f"AT+CMGD={i}")
                self._pending_in.discard(i)

    def _library_send(self, number: str, text: str) -> SendResult:
        """Unguarded: the library's own sendSms (kept to show its bugs in tests)."""
        assert self._modem is not None
        try:
            sms = self._modem.sendSms(number, text)
        except CmsError as exc:
            raise SmsRejected(exc.code, "CMGS") from exc
        return SendResult((int(sms.reference),), 0)
