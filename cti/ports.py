"""What the CTI adapter needs from the rest of OneStop, as small Protocols.

The composition root wires the real things: the core's ``caller_context`` behind
``ContextLookup``, the web's ``LiveHub`` as ``PopPublisher`` and ``WallboardPublisher`` (it
has both methods), and the core's ``record_call`` behind ``CallSink``. ``cti/fakes.py`` holds
in-memory twins for tests, the replay command and the bench.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from cti.tracker import CallRecord


class ContextLookup(Protocol):
    def lookup(self, number: str) -> dict[str, Any]:
        """What the pop shows about the caller behind ``number`` (the core's
        ``CallerContext.as_dict()``: person, department, location, caller_tickets,
        location_tickets, repeat_caller, warning…). Blocking: called in a worker thread."""


class PopPublisher(Protocol):
    def publish_pop(self, login: str, payload: dict[str, Any]) -> None:
        """Deliver a screen pop to every desk session of ``login``; must not block."""


class WallboardPublisher(Protocol):
    def publish_wallboard(self, payload: dict[str, Any]) -> None:
        """Live figures ``{"calls_waiting", "longest_wait_s", "operators"}``; must not block."""


class CallSink(Protocol):
    def record_call(self, record: CallRecord) -> None:
        """Store a finished call (insert or update by uniqueid). Blocking: called in a worker
        thread, one call at a time, in the order calls finish."""


class OriginateSpec(Protocol):
    """A call-back to place (the IVR's ``OriginateRequest`` has this shape)."""

    @property
    def action_id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def context(self) -> str: ...
    @property
    def exten(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def variables(self) -> Mapping[str, str]: ...
    @property
    def timeout_s(self) -> float: ...
    @property
    def caller_id(self) -> str: ...
