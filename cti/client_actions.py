"""What the AMI client's actions answer, and the typed actions the listener and the desk send.

``AmiClient.action`` (``cti/client.py``) sends one action over the live connection and waits for
its response, correlated by ActionID (and for its EventList, if it has one); ``AmiActions``
builds the typed ones on it: the reconcile's ``CoreShowChannels`` and ``QueueStatus``, queue
pauses, ``Redirect``, ``Hangup``, and ``Originate`` with the fate of the call it placed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cti.protocol import Message


class AmiError(Exception):
    """An action could not be carried out."""


class NotConnected(AmiError):
    pass


class ActionTimeout(AmiError):
    pass


@dataclass
class ActionResult:
    response: Message
    events: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.response.response in ("Success", "Follows", "Goodbye")

    @property
    def message(self) -> str:
        return self.response.get("Message")


# ``OriginateResponse`` Reason: the last AST_CONTROL_* state the channel reached
# (include/asterisk/frame.h), as the recorded traffic shows it (tests/fixtures/traces).
ORIGINATE_REASONS = {"0": "failed", "1": "rejected", "3": "no_answer", "4": "answered",
                     "5": "busy", "8": "congestion"}


@dataclass(frozen=True)
class OriginateResult:
    """The fate of an Async Originate. ``reason`` is the event's Reason ("" when there was no
    event: the action was refused — ``message`` says why — or no answer came in time)."""

    reason: str
    response: str
    uniqueid: str = ""
    message: str = ""
    channel: str = ""

    @property
    def outcome(self) -> str:
        """answered | no_answer (3: rang out; also an unreachable IAX2 peer) | busy (5) |
        congestion (8) | rejected (1: hung up before answering) | failed (0, refused, timeout)."""
        return ORIGINATE_REASONS.get(self.reason, "failed")

    @property
    def detail(self) -> str:
        """What happened, for the ticket's timeline: "Reason 5" or the refusal's message."""
        if self.reason:
            return f"Reason {self.reason}"
        return self.message or self.response


class AmiActions:
    """The typed actions, on top of ``action`` (the connection is ``AmiClient``'s)."""

    action_timeout_s: float
    _prefix: str
    _ids: Iterator[int]
    _originates: dict[str, asyncio.Future[Message]]

    async def action(self, name: str, fields: Mapping[str, str | int | float | Sequence[str]] | None = None,
                     timeout: float | None = None, action_id: str | None = None,
                     _unchecked: bool = False) -> ActionResult:
        raise NotImplementedError  # AmiClient.action: sent on the connection, answer awaited

    async def core_show_channels(self) -> list[Message]:
        """Every live channel (``CoreShowChannel`` events); needs ``write=reporting``."""
        result = await self.action("CoreShowChannels")
        if not result.ok:
            raise AmiError(f"CoreShowChannels refused: {result.message}")
        return result.events

    async def queue_status(self, queue: str | None = None) -> list[Message]:
        """``QueueParams``/``QueueMember``/``QueueEntry`` events of one or every queue."""
        result = await self.action("QueueStatus", {"Queue": queue} if queue else None)
        if not result.ok:
            raise AmiError(f"QueueStatus refused: {result.message}")
        return result.events

    async def queue_pause(self, interface: str, paused: bool, queue: str | None = None,
                          reason: str = "") -> ActionResult:
        fields: dict[str, str] = {"Interface": interface, "Paused": "true" if paused else "false"}
        if queue:
            fields["Queue"] = queue
        if reason:
            fields["Reason"] = reason
        return await self.action("QueuePause", fields)

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1) -> ActionResult:
        return await self.action("Redirect", {"Channel": channel, "Context": context,
                                              "Exten": exten, "Priority": priority})

    async def hangup(self, channel: str, cause: int | None = None) -> ActionResult:
        fields: dict[str, str | int] = {"Channel": channel}
        if cause is not None:
            fields["Cause"] = cause
        return await self.action("Hangup", fields)

    async def originate(self, channel: str, context: str, exten: str = "s", priority: int = 1,
                        variables: Mapping[str, str] | None = None, caller_id: str = "",
                        timeout_s: float = 30.0, action_id: str | None = None) -> OriginateResult:
        """An Async Originate; returns when ``OriginateResponse`` tells the call's fate.
        Needs ``write=originate`` (see config/asterisk/manager.conf)."""
        aid = action_id or f"{self._prefix}{next(self._ids)}"
        fields: dict[str, str | int | list[str]] = {
            "Channel": channel, "Context": context, "Exten": exten, "Priority": priority,
            "Timeout": int(timeout_s * 1000), "Async": "true"}
        if caller_id:
            fields["CallerID"] = caller_id
        if variables:
            fields["Variable"] = [f"{k}={v}" for k, v in variables.items()]
        waiter: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._originates[aid] = waiter
        try:
            result = await self.action("Originate", fields, action_id=aid)
            if not result.ok:
                return OriginateResult(reason="", response=result.response.response or "Error",
                                       message=result.message or "refused", channel=channel)
            event = await asyncio.wait_for(waiter, timeout_s + self.action_timeout_s)
        except TimeoutError:
            return OriginateResult(reason="", response="Timeout", channel=channel,
                                   message=f"no OriginateResponse within {timeout_s + self.action_timeout_s:.0f} s")
        finally:
            self._originates.pop(aid, None)
        uid = event.get("Uniqueid")
        return OriginateResult(reason=event.get("Reason"), response=event.get("Response"),
                               uniqueid="" if uid.startswith("<") else uid,
                               channel=event.get("Channel") or channel)
