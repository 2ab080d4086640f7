"""The desk's AMI actions beyond listening: queue membership (log in, log out, pause with a
reason), the queue's figures (``QueueSummary``/``QueueStatus``) and stopping a recording.

Each answers with what Asterisk said: ``QueueResult`` carries the response and its message
("Unable to remove interface: Not there" is an answer, not an exception); only a lost
connection or no answer in time raises (``AmiError``). ``write=agent`` in manager.conf allows
the queue actions, ``write=call`` ``StopMixMonitor``; the figures need no class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cti.client import ActionResult, AmiClient, AmiError
from cti.protocol import Message


@dataclass(frozen=True)
class QueueResult:
    """Asterisk's answer to a queue action."""

    ok: bool
    message: str
    events: tuple[Message, ...] = ()

    @classmethod
    def of(cls, result: ActionResult) -> QueueResult:
        return cls(result.ok, result.message, tuple(result.events))


@dataclass(frozen=True)
class QueueSummary:
    """One queue's ``QueueSummary`` event: members logged in and free, callers waiting, the
    longest wait, and Asterisk's own averages (seconds)."""

    queue: str
    logged_in: int
    available: int
    callers: int
    hold_time_s: int
    talk_time_s: int
    longest_hold_s: int

    @classmethod
    def of(cls, m: Message) -> QueueSummary:
        return cls(m.get("Queue"), _int(m.get("LoggedIn")), _int(m.get("Available")),
                   _int(m.get("Callers")), _int(m.get("HoldTime")), _int(m.get("TalkTime")),
                   _int(m.get("LongestHoldTime")))


@dataclass(frozen=True)
class QueueState:
    """``QueueStatus``: the queue's parameters, its members and the callers in it."""

    params: dict[str, str] = field(default_factory=dict)
    members: tuple[Message, ...] = ()
    entries: tuple[Message, ...] = ()


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


async def queue_add(client: AmiClient, queue: str, interface: str, member_name: str = "",
                    paused: bool = False, state_interface: str = "") -> QueueResult:
    """Log a member in (``QueueAdd``)."""
    fields = {"Queue": queue, "Interface": interface}
    if member_name:
        fields["MemberName"] = member_name
    fields["Paused"] = "true" if paused else "false"
    if state_interface:
        fields["StateInterface"] = state_interface
    return QueueResult.of(await client.action("QueueAdd", fields))


async def queue_remove(client: AmiClient, queue: str, interface: str) -> QueueResult:
    """Log a member out (``QueueRemove``); "Not there" comes back as a refusal."""
    return QueueResult.of(await client.action("QueueRemove", {"Queue": queue, "Interface": interface}))


async def queue_pause(client: AmiClient, queue: str, interface: str, paused: bool,
                      reason: str = "") -> QueueResult:
    """Pause (with a reason code) or unpause a member (``QueuePause``)."""
    return QueueResult.of(await client.queue_pause(interface, paused, queue or None, reason))


async def queue_summary(client: AmiClient, queue: str | None = None) -> list[QueueSummary]:
    result = await client.action("QueueSummary", {"Queue": queue} if queue else None)
    if not result.ok:
        raise AmiError(f"QueueSummary refused: {result.message}")
    return [QueueSummary.of(m) for m in result.events if m.event == "QueueSummary"]


async def queue_state(client: AmiClient, queue: str | None = None) -> QueueState:
    events = await client.queue_status(queue)
    params = next((m for m in events if m.event == "QueueParams"), None)
    return QueueState(dict(params.headers) if params is not None else {},
                      tuple(m for m in events if m.event == "QueueMember"),
                      tuple(m for m in events if m.event == "QueueEntry"))


async def stop_mixmonitor(client: AmiClient, channel: str) -> QueueResult:
    """End a call's recording early (``StopMixMonitor``; Asterisk then sends MixMonitorStop)."""
    return QueueResult.of(await client.action("StopMixMonitor", {"Channel": channel}))
