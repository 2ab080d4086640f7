"""Writing AMI actions: the one place bytes for Asterisk are made."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ActionError(ValueError):
    """An action cannot be written: a header would break the framing."""


def format_action(name: str, action_id: str,
                  fields: Mapping[str, str | int | float | Sequence[str]] | None = None) -> bytes:
    """Serialise one action. Sequence values repeat the header (``Variable: A=1``…).

    CR or LF inside a key or value would let a value inject headers or whole actions (a
    caller ID in an Originate, say), so they are refused rather than escaped.
    """
    lines = [f"Action: {name}", f"ActionID: {action_id}"]
    for key, value in (fields or {}).items():
        values = [value] if isinstance(value, str | int | float) else list(value)
        for v in values:
            lines.append(f"{key}: {v}")
    for line in lines:
        if "\r" in line or "\n" in line or ": " not in line:
            raise ActionError(f"AMI action {name}: header {line[:40]!r} contains a line break")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
