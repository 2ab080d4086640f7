"""The desk's telephony, wired: click-to-call, the operator's queue controls and the live
queue figures — the web's ``Telephony`` port (``web/api/telephony.py``) on the AMI client
and the core.

Everything here runs on the center's event loop; what touches the store runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

from config.settings import OperatorMap
from cti.outbound import EVENTS as OUTBOUND_EVENTS
from cti.outbound import OutboundLegs
from onestop.core import Core

log = logging.getLogger(__name__)

__all__ = ["OUTBOUND_EVENTS", "DeskTelephony"]


class DeskTelephony:
    """``listener``: the CTI part's ``CtiListener`` (its client places the calls and its
    events follow them); ``originator``: its ``AmiOriginator``."""

    def __init__(self, core: Core, listener: Any, originator: Any) -> None:
        self.core, self.listener, self.originator = core, listener, originator
        self.tel = core.settings.telephony
        self.legs = OutboundLegs(self.tel.desk_context)
        listener.client.subscribe(self.legs.handle)
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- the port ------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return bool(self.originator.ready)

    def operator(self, login: str) -> OperatorMap | None:
        """The queue member and phone of a desk log-in (``[[ami.operators]]``)."""
        return next((o for o in self.core.settings.ami.operators if o.login == login), None)

    def click_to_call(self, call_id: int, action_id: str, extension: str, number: str,
                      ticket_id: int) -> None:
        """Ring ``extension`` (the operator), then dial ``number``; what happens is recorded
        on the ticket as it happens. Returns at once."""
        task = asyncio.get_running_loop().create_task(
            self._click_to_call(call_id, action_id, extension, number, ticket_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- click-to-call -------------------------------------------------------------------

    async def _click_to_call(self, call_id: int, action_id: str, extension: str, number: str,
                             ticket_id: int) -> None:
        service = self.core.service
        request = SimpleNamespace(
            action_id=action_id, channel=self.tel.operator_channel.format(extension=extension),
            context=self.tel.desk_context, exten=number, priority=1,
            variables={"TICKET_ID": str(ticket_id), "OUTBOUND_CALL": str(call_id)},
            timeout_s=self.tel.desk_ring_s, caller_id=self.tel.desk_caller_id)
        self.legs.placing()
        try:
            result = await self.originator.place(request)
            await asyncio.to_thread(service.desk_call_result, call_id, "operator", result.outcome,
                                    "" if result.outcome == "answered" else result.detail, result.uniqueid)
            if result.outcome == "answered" and result.uniqueid:
                loop = asyncio.get_running_loop()

                def far(outcome: str, detail: str) -> None:
                    self._later(loop, service.desk_call_result, call_id, "far", outcome, detail)

                def end(talk_s: int | None) -> None:
                    self._later(loop, service.desk_call_result, call_id, "ended", "", "", "", talk_s)

                self.legs.watch(result.uniqueid, far, end)
            log.info("click-to-call %s (ticket %s): operator %s %s", call_id, ticket_id, extension,
                     result.outcome)
        except Exception:
            log.exception("click-to-call %s (ticket %s) failed", call_id, ticket_id)
        finally:
            self.legs.done()

    def _later(self, loop: asyncio.AbstractEventLoop, fn: Any, *args: Any) -> None:
        """Store off the event path (the legs' callbacks run on the AMI dispatcher)."""
        task = loop.create_task(asyncio.to_thread(fn, *args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
