"""The acknowledgement call (接单确认电话): a field worker who has not answered a work order by
SMS within the service type's minutes is called.

``AckScheduler`` takes due calls from the core's queue and places each through the dialler
(AMI ``Originate`` on ``[telephony] ack_trunk`` into the ``worker-out`` context, variables
``TICKET_ID`` and ``ACK_ID``); what the PBX says of it — busy, no answer, congestion, a refused
or failed Originate, with its Reason — goes back to the core, which offers the ticket to the
next worker or escalates it. When the worker answers, the dialplan runs
``AGI(agi://HOST:4573/ack)``: ``AckIvr`` reads the ticket number and the room code with
``SAY DIGITS``, asks "1 accept, 2 cannot", sets ``ACK_RESULT`` (accepted | declined | none)
and hands the key to the core, which moves the ticket exactly as the SMS reply would.
"""

from __future__ import annotations

import asyncio
import logging
import re

from ivr.menu import AckConfig, Menu, MenuSource
from ivr.ports import AckQueue, AckStore, CallAttempt, Dialler, DueAck, OriginateRequest
from ivr.routing import play_and_wait
from ivr.session import AgiHangup, AgiSession, ChannelFailure

log = logging.getLogger(__name__)

KEYS = {"1": "accepted", "2": "declined"}
_DIALLABLE = re.compile(r"[0-9A-Za-z+*#]{1,32}")


class AckResults:
    """Where an ``ack`` session tells the scheduler that placed its call that it ended."""

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[str]] = {}

    def expect(self, key: int) -> asyncio.Future[str]:
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting[key] = fut
        return fut

    def report(self, key: int, result: str) -> None:
        fut = self._waiting.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_result(result)

    def forget(self, key: int) -> None:
        self._waiting.pop(key, None)


class AckIvr:
    """The ``ack`` route handler."""

    def __init__(self, menus: MenuSource, store: AckStore, results: AckResults | None = None) -> None:
        self.menus, self.store = menus, store
        self.results = results or AckResults()

    async def __call__(self, agi: AgiSession) -> None:
        menu = self.menus.current()
        lang = menu.language_for(agi.language)
        cfg = menu.ack
        assert cfg is not None  # the loader always gives one
        raw = (await agi.get_variable("TICKET_ID") or "").strip()
        if not raw.isdigit():
            log.warning("%s: acknowledgement call without a valid TICKET_ID (%r)", agi.name, raw[:40])
            await agi.set_variable("ACK_RESULT", "no_ticket")
            return
        ticket_id = int(raw)
        raw_call = (await agi.get_variable("ACK_ID") or "").strip()
        call_id = int(raw_call) if raw_call.isdigit() else None
        info = await asyncio.to_thread(self.store.ack_info, ticket_id, call_id)
        if info is None:
            log.warning("%s: no acknowledgement call in progress for ticket %s", agi.name, ticket_id)
            await agi.set_variable("ACK_RESULT", "no_ticket")
            return
        result = "none"
        try:
            key = await self._ask(agi, menu, cfg, lang, info.ticket_id, info.location_code)
            result = KEYS.get(key, "none")
            await agi.set_variable("ACK_RESULT", result)
        except (ChannelFailure, AgiHangup):
            log.info("%s: the worker hung up on the acknowledgement call for ticket %s",
                     agi.name, ticket_id)
        finally:
            await self._store(agi, info.ticket_id, result, info.call_id)
        if result in ("accepted", "declined"):
            await agi.stream_file(menu.sound(cfg.prompts[result], lang))

    async def _ask(self, agi: AgiSession, menu: Menu, cfg: AckConfig, lang: str, ticket_id: int,
                   location_code: str) -> str:
        """The ticket number and the place, then "1 accept, 2 cannot" (again after a wrong
        key); the key pressed, "" for none."""
        prompts, sound = cfg.prompts, menu.sound
        await agi.stream_file(sound(prompts["intro"], lang))
        await agi.say_digits(str(ticket_id))
        if location_code:
            await agi.stream_file(sound(prompts["place"], lang))
            await agi.say_digits(location_code)
        preface: tuple[str, ...] = ()
        for _ in range(cfg.retries + 1):
            key = await play_and_wait(agi, (*preface, sound(prompts["ask"], lang)), cfg.timeout_s)
            if key in KEYS:
                return key
            preface = (sound(prompts["invalid"], lang),) if key else ()
        return ""

    async def _store(self, agi: AgiSession, ticket_id: int, result: str, call_id: int | None) -> None:
        answer = result if result in ("accepted", "declined") else "no_key"
        log.info("%s: acknowledgement call for ticket %s: %s", agi.name, ticket_id, answer)
        try:
            await asyncio.to_thread(self.store.answer, ticket_id, answer, call_id)
        except Exception:
            log.exception("%s: the worker's answer on ticket %s could not be stored", agi.name, ticket_id)
        self.results.report(call_id if call_id is not None else ticket_id, answer)


class AckScheduler:
    """Places due acknowledgement calls and reports each one's fate to the core."""

    def __init__(self, queue: AckQueue, dialler: Dialler, results: AckResults, *, trunk: str,
                 context: str = "worker-out", caller_id: str = "", ring_s: float = 30.0,
                 answer_wait_s: float = 120.0, poll_s: float = 5.0, batch: int = 10) -> None:
        self.queue, self.dialler, self.results = queue, dialler, results
        self.trunk, self.context, self.caller_id = trunk.rstrip("/"), context, caller_id
        self.ring_s, self.answer_wait_s, self.poll_s, self.batch = ring_s, answer_wait_s, poll_s, batch
        self._tasks: set[asyncio.Task[str]] = set()
        self.placed: list[tuple[int, str]] = []  # (call id, outcome): health and tests

    async def tick(self) -> int:
        """Claim and place what is due — only while the dialler can dial (a standby process,
        or a lost AMI link, leaves the calls to the process that can)."""
        if not getattr(self.dialler, "ready", True):
            return 0
        due = await asyncio.to_thread(self.queue.claim_due, self.batch)
        for call in due:
            task = asyncio.create_task(self.place(call))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(due)

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("acknowledgement calls: tick failed; trying again in %.0f s", self.poll_s)
            await asyncio.sleep(self.poll_s)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def place(self, call: DueAck) -> str:
        """One call to its end; returns its outcome."""
        if not _DIALLABLE.fullmatch(call.number):
            attempt = CallAttempt("failed", "number cannot be dialled")
        else:
            action_id = f"ack-{call.ticket_id}-{call.id}"
            await asyncio.to_thread(self.queue.mark_dialing, call.id, action_id)
            waiter = self.results.expect(call.id)
            request = OriginateRequest(action_id, f"{self.trunk}/{call.number}", self.context,
                                       variables={"TICKET_ID": str(call.ticket_id), "ACK_ID": str(call.id)},
                                       timeout_s=self.ring_s, caller_id=self.caller_id)
            try:
                attempt = await self.dialler.place(request)
            except Exception as exc:
                log.exception("acknowledgement call %s: originate failed", call.id)
                attempt = CallAttempt("failed", f"originate failed: {type(exc).__name__}")
            if attempt.outcome == "answered":
                await asyncio.to_thread(self.queue.result, call.id, "answered", "", attempt.uniqueid)
                try:
                    await asyncio.wait_for(waiter, self.answer_wait_s)
                except TimeoutError:
                    log.warning("acknowledgement call %s: answered, no key within %.0f s",
                                call.id, self.answer_wait_s)
                    self.results.forget(call.id)
                    await asyncio.to_thread(self.queue.no_key, call.ticket_id, call.id)
                self.placed.append((call.id, "answered"))
                return "answered"
            self.results.forget(call.id)
        log.info("acknowledgement call %s (ticket %s, %s): %s %s", call.id, call.ticket_id,
                 call.staff_code, attempt.outcome, attempt.detail)
        await asyncio.to_thread(self.queue.result, call.id, attempt.outcome, attempt.detail, attempt.uniqueid)
        self.placed.append((call.id, attempt.outcome))
        return attempt.outcome
