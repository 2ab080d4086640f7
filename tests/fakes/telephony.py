"""An in-memory twin of the web's ``Telephony`` port: it records what the desk asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.settings import OperatorMap


@dataclass
class FakeTelephony:
    operators: list[OperatorMap] = field(default_factory=list)
    ready: bool = True
    calls: list[tuple[int, str, str, str, int]] = field(default_factory=list)
    queue_answers: dict[str, tuple[bool, str]] = field(default_factory=dict)  # action → (ok, message)
    queue_actions: list[tuple[str, str, str]] = field(default_factory=list)  # (action, interface, reason)
    figures: dict[str, Any] = field(default_factory=dict)

    def operator(self, login: str) -> OperatorMap | None:
        return next((o for o in self.operators if o.login == login), None)

    def click_to_call(self, call_id: int, action_id: str, extension: str, number: str,
                      ticket_id: int) -> None:
        self.calls.append((call_id, action_id, extension, number, ticket_id))

    async def queue_action(self, action: str, op: OperatorMap, reason: str = "") -> tuple[bool, str]:
        self.queue_actions.append((action, op.interface, reason))
        return self.queue_answers.get(action, (True, "ok"))
