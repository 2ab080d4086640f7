"""The send loop (outbox → modems) and the receive loop (modems → core: ``modem/receiving.py``),
one pair per modem.

What "sent" means, and why nothing is lost or doubled
-----------------------------------------------------
An SMS is *sent* when the modem has answered every part's submission with a message
reference. Each part is first written to the SIM (``AT+CMGW``, status "stored unsent") and
then submitted from there (``AT+CMSS``); the modem marks the stored copy "stored sent" when
it hands it to the network. The PDUs are deterministic (the outbox id is their TP-MR and
concatenation reference), so the SIM is a journal that survives an unplug:

* The port vanishes before the modem answered (``SendAmbiguous``/``PortGone``): the row is
  *held* by this sender — not given back to the outbox — and retried on the SAME modem when
  it returns, with ``check_stored``: a part found "stored sent" is not sent again, a part
  found "stored unsent" is submitted from storage, a missing part is written anew. Only
  then is the row marked sent and the stored copies deleted.
* A definitive ``+CMS ERROR`` means not sent: retried with backoff or failed, by its code.
* Residual risk, documented: if the modem stays away longer than ``hold_s`` (default 90 s,
  under the outbox's 2-minute lease) an ambiguous row is given back for retry on any modem;
  if the first modem had in fact sent it, the worker gets it twice. Doubling was preferred
  to losing a work order. A crash of this process between ``+CMSS`` and ``mark_sent`` is the
  same case once the lease runs out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from modem.encoding import InvalidNumber, TextTooLong, normalise_number
from modem.gateway import (
    DeliveryReport,
    GatewayError,
    ModemGateway,
    PortGone,
    SendAmbiguous,
    SendResult,
    SmsRejected,
)
from modem.ports import InboundHandler, OutgoingSms, SmsOutbox
from modem.receiving import Delivery, SmsReceiving

log = logging.getLogger(__name__)

# +CMS ERROR codes (3GPP TS 24.011 RP causes 0–127, TS 23.040 TP-FCS 128–255, TS 27.005 300+).
PERMANENT = {1, 8, 10, 21, 28, 29, 30, 50, 69, 96, 97, 98, 99, 111, 127,
             301, 303, 304, 305, 330}
TEMPORARY = {17, 22, 27, 38, 41, 42, 47, 81, 95, 300, 302, 310, 311, 312, 313, 314, 315, 316,
             320, 321, 322, 331, 332, 340, 512, 513, 514, 515}
UNKNOWN_MAX_ATTEMPTS = 3  # 500 "unknown error": a few tries, then a person looks


def classify_cms(code: int, attempts: int) -> tuple[bool, str]:
    """(retry?, why) for a ``+CMS ERROR`` code on the ``attempts``-th try."""
    if code in PERMANENT:
        return False, f"+CMS ERROR {code}: refused (number or subscription)"
    if code in TEMPORARY:
        return True, f"+CMS ERROR {code}: temporary (network, SIM or modem)"
    if code == 500 or code >= 128:
        return attempts < UNKNOWN_MAX_ATTEMPTS, f"+CMS ERROR {code}: unknown"
    return False, f"+CMS ERROR {code}: refused by the network"


class RateLimit:
    """At most ``per_minute`` submissions, evenly spaced (0: no limit)."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.next_at = 0.0

    def wait_s(self) -> float:
        return max(0.0, self.next_at - self.clock())

    def take(self) -> None:
        now = self.clock()
        self.next_at = max(now, self.next_at) + self.interval


@dataclass
class _InFlight:
    row: OutgoingSms
    number: str
    future: Future[SendResult]
    held_since: float | None = None  # set once the send was interrupted


@dataclass
class Lane:
    gateway: ModemGateway
    rate: RateLimit
    inflight: deque[_InFlight] = field(default_factory=deque)
    down_since: float | None = None


class SmsSender(SmsReceiving):
    """Drains the outbox through every gateway and feeds their inboxes to the core.

    ``depth`` sends are queued per modem so the next PDU is ready the moment the modem
    answers the last one: the modem, not the database, sets the pace.
    """

    def __init__(self, outbox: SmsOutbox, gateways: list[ModemGateway], *,
                 inbound: InboundHandler | None = None, max_per_minute: dict[str, float] | None = None,
                 depth: int = 2, poll_s: float = 0.2, hold_s: float = 90.0) -> None:
        rates = max_per_minute or {}
        self.outbox, self.inbound = outbox, inbound
        self.lanes = [Lane(g, RateLimit(rates.get(g.name, 0.0))) for g in gateways]
        self._gateways = {g.name: g for g in gateways}
        self.depth, self.poll_s, self.hold_s = depth, poll_s, hold_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._parts: dict[tuple[str, int], Delivery] = {}
        self._parts_lock = threading.Lock()
        self._parked: list[tuple[DeliveryReport, float]] = []
        self.park_s = 5.0
        # whole messages' reports, applied to the outbox together: one transaction per batch
        self._ready: list[tuple[DeliveryReport, Delivery | None]] = []
        self._ready_since = 0.0
        self.report_batch, self.report_batch_s = 64, 0.25
        self.stats = {"sent": 0, "failed": 0, "retried": 0, "held": 0, "received": 0, "reports": 0}

    def start(self) -> SmsSender:
        for lane in self.lanes:
            for target, kind in ((self._send_loop, "send"), (self._receive_loop, "recv")):
                t = threading.Thread(target=target, args=(lane,), name=f"sms-{kind}-{lane.gateway.name}",
                                     daemon=True)
                t.start()
                self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout=5)

    def wake(self) -> None:
        """New rows were queued: look now rather than at the next poll."""
        self._wake.set()

    def queue_length(self) -> int:
        return sum(len(lane.inflight) for lane in self.lanes)

    # --- sending -----------------------------------------------------------------------

    def _send_loop(self, lane: Lane) -> None:
        while not self._stop.is_set():
            try:
                self._fill(lane)
                if lane.inflight:
                    self._settle_head(lane)
                else:
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
            except Exception:  # noqa: BLE001 - a store hiccup must not end the loop
                log.exception("send loop %s", lane.gateway.name)
                self._stop.wait(self.poll_s)

    def _fill(self, lane: Lane) -> None:
        gw = lane.gateway
        lane.down_since = None if gw.connected else (lane.down_since or time.monotonic())
        while len(lane.inflight) < self.depth and gw.connected and not self._stop.is_set():
            wait = lane.rate.wait_s()
            if wait > 0:
                if lane.inflight:
                    return
                self._stop.wait(wait)
            # every free slot in one claim (one at a time under a rate limit)
            rows = self.outbox.claim(gw.name, 1 if lane.rate.interval else self.depth - len(lane.inflight))
            if not rows:
                return
            for row in rows:
                lane.rate.take()
                self._submit(lane, row)

    def _submit(self, lane: Lane, row: OutgoingSms, check_stored: bool = False) -> None:
        try:
            number = normalise_number(row.number)
        except InvalidNumber as exc:
            self._failed(row, str(exc), retry=False)
            return
        fut = lane.gateway.submit(number, row.text, tag=row.id % 256, check_stored=check_stored or row.attempts > 1)
        lane.inflight.append(_InFlight(row, number, fut))

    def _settle_head(self, lane: Lane) -> None:
        head = lane.inflight[0]
        try:
            result = head.future.result(timeout=self.poll_s)
        except FutureTimeout:
            self._abandon_if_down_too_long(lane)
            return
        except (SendAmbiguous, PortGone) as exc:
            lane.inflight.popleft()
            self._hold(lane, head, exc)
            return
        except SmsRejected as exc:
            lane.inflight.popleft()
            retry, why = classify_cms(exc.code, head.row.attempts)
            self._failed(head.row, why, retry)
            return
        except (ValueError, TextTooLong, GatewayError) as exc:
            lane.inflight.popleft()
            self._failed(head.row, f"{type(exc).__name__}: {exc}", retry=isinstance(exc, GatewayError))
            return
        except Exception as exc:  # noqa: BLE001 - library errors (CommandError, timeouts): not sent
            lane.inflight.popleft()
            self._failed(head.row, f"{type(exc).__name__}: {exc}", retry=True)
            return
        lane.inflight.popleft()
        self._sent(lane, head, result)

    def _hold(self, lane: Lane, item: _InFlight, exc: Exception) -> None:
        """Interrupted: resubmit on the same modem; it finds its own stored copy."""
        self.stats["held"] += 1
        log.warning("sms %s interrupted on %s (%s): held for this modem", item.row.id, lane.gateway.name, exc)
        held_since = item.held_since or time.monotonic()
        fut = lane.gateway.submit(item.number, item.row.text, tag=item.row.id % 256, check_stored=True)
        lane.inflight.appendleft(_InFlight(item.row, item.number, fut, held_since))

    def _abandon_if_down_too_long(self, lane: Lane) -> None:
        if lane.down_since is None or time.monotonic() - lane.down_since < self.hold_s:
            return
        while lane.inflight:
            item = lane.inflight.popleft()
            if item.future.cancel() and item.held_since is None:
                self.outbox.release(item.row.id)  # never started: untouched
            else:
                item.future.cancel()
                self._failed(item.row, f"modem {lane.gateway.name} gone mid-send; may be sent twice", True)

    def _sent(self, lane: Lane, item: _InFlight, result: SendResult) -> None:
        """Record it sent; when the lane has room, lease the next rows in the same transaction
        (``sent_and_claim``, if the outbox has it): one commit per message."""
        refs = [r for r in result.references if r >= 0]
        references, parts = list(result.references), result.parts or len(result.references)
        want = self._room(lane)
        combined = getattr(self.outbox, "sent_and_claim", None)
        rows: Sequence[OutgoingSms] = []
        if want and combined is not None:
            rows = combined(item.row.id, references, parts, lane.gateway.name, want)
        else:
            self.outbox.mark_sent(item.row.id, references, parts)
        self.stats["sent"] += 1
        if refs:
            delivery = Delivery(item.row.id, set(refs))  # delivered when every part is
            with self._parts_lock:
                for r in refs:
                    self._parts[(lane.gateway.name, r)] = delivery
        for row in rows:
            lane.rate.take()
            self._submit(lane, row)

    def _room(self, lane: Lane) -> int:
        """Rows the lane can start now without waiting."""
        if self._stop.is_set() or not lane.gateway.connected or lane.rate.wait_s() > 0:
            return 0
        return 1 if lane.rate.interval else max(0, self.depth - len(lane.inflight))

    def _failed(self, row: OutgoingSms, error: str, retry: bool) -> None:
        status = self.outbox.mark_failed(row.id, error, retry)
        self.stats["retried" if status == "retry" else "failed"] += 1
        log.warning("sms %s to %s not sent (%s): %s", row.id, row.number, status, error)
