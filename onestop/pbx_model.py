"""What the emulated PBX holds and says: its queue's operators, the channels of a call (with
the headers Asterisk gives every channel event), a simulated caller's script and what came of
it, and the AMI message format both ways.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

BANNER = b"Asterisk Call Manager/13.0.0\r\n"


@dataclass
class Operator:
    interface: str  # Local/101@agents/n
    name: str  # Operator Li
    paused: bool = False
    busy: bool = False
    calls_taken: int = 0
    reason: str = ""


@dataclass
class CallScript:
    """What one simulated caller does."""

    caller_num: str
    caller_name: str
    digits: list[str] = field(default_factory=lambda: ["1"])  # answers to the IVR, in order
    patience_s: float = 30.0  # gives up in the queue after this
    talk_s: float = 4.0
    hangup_in_ivr: bool = False


@dataclass
class CallResult:
    uniqueid: str
    variables: dict[str, str]
    outcome: str  # answered | abandoned | ended_in_ivr
    agent: str = ""


@dataclass
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    caller_num: str
    caller_name: str
    context: str
    exten: str
    state: int = 4
    priority: int = 1
    connected_num: str = "<unknown>"
    connected_name: str = "<unknown>"

    def headers(self, prefix: str = "") -> list[tuple[str, str]]:
        desc = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}.get(self.state, "Up")
        return [(prefix + k, v) for k, v in (
            ("Channel", self.name), ("ChannelState", str(self.state)), ("ChannelStateDesc", desc),
            ("CallerIDNum", self.caller_num or "<unknown>"),
            ("CallerIDName", self.caller_name or "<unknown>"),
            ("ConnectedLineNum", self.connected_num), ("ConnectedLineName", self.connected_name),
            ("Language", "en"), ("AccountCode", ""), ("Context", self.context),
            ("Exten", self.exten), ("Priority", str(self.priority)),
            ("Uniqueid", self.uniqueid), ("Linkedid", self.linkedid))]


def format_message(pairs: list[tuple[str, str]]) -> bytes:
    """One AMI message: ``Key: Value`` lines and the blank line that ends it."""
    return "".join(f"{k}: {v}\r\n" for k, v in pairs).encode() + b"\r\n"


def clean(value: str) -> str:
    # Asterisk never puts CR/LF inside a header value; neither do we.
    return value.replace("\r", " ").replace("\n", " ")


async def read_message(reader: asyncio.StreamReader) -> dict[str, str] | None:
    """The next action a client sent (header names lower-cased, ``Variable`` lines joined);
    None when the connection ends."""
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if headers:
                return headers
            continue
        key, _, value = text.partition(":")
        name = key.strip().lower()
        if name == "variable" and name in headers:
            headers[name] += "," + value.strip()
        else:
            headers[name] = value.strip()
