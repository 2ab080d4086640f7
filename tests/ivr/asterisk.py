"""Asterisk's side of FastAGI, for tests: connects to the server, sends the ``agi_*``
environment and answers commands like a channel would.

:class:`ScriptedChannel` plays a caller described by the keys they press;
:class:`RecordedChannel` replays an ``agi-*.jsonl`` recording: the recorded environment is
sent byte for byte (``raw_b64`` where a line is not UTF-8), and each command the server sends is answered with the recorded reply
when the recording has that command next, or as Asterisk would otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from ivr.protocol import split_command

DEAD = b"511 Command Not Permitted on a dead channel or intercept routine\n"


split_args = split_command


def command_key(args: list[str]) -> tuple[str, ...]:
    words = [a.upper() for a in args[:2]]
    if not words:
        return ()
    if words[0] in ("SET", "GET") and len(args) > 2:
        return (*words, args[2])
    if words[0] in ("SET", "GET", "WAIT", "STREAM", "SAY", "RECORD", "CHANNEL"):
        return tuple(words)
    return (words[0],)


def env_block(script: str = "ivr", callerid: str = "6123", name: str = "Nurse Zhang",
              **extra: str) -> bytes:
    env = {"network": "yes", "network_script": script, "request": f"agi://127.0.0.1:4573/{script}",
           "channel": "IAX2/127.0.0.1:4569-7760", "language": "en", "type": "IAX2",
           "uniqueid": "1795487664.5", "version": "GIT-master-test", "callerid": callerid,
           "calleridname": name, "context": "from-pstn", "extension": "6001", "priority": "3",
           "enhanced": "0.0", "accountcode": "", "threadid": "1", **extra}
    return "".join(f"agi_{k}: {v}\n" for k, v in env.items()).encode() + b"\n"


@dataclass
class ScriptedChannel:
    """A caller: ``keys`` are consumed by WAIT FOR DIGIT (a digit, "" for silence, "-1" for
    a failure after which the channel is dead) and GET DATA (the digits keyed, "" none).
    A prompt in ``missing`` answers ``result=-1 endpos=0`` to STREAM FILE and ``result=-1``
    to GET DATA, as an Asterisk without the sound file does."""

    keys: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # GET VARIABLE answers
    missing: set[str] = field(default_factory=set)  # sound files Asterisk cannot find
    hang_up_after: int | None = None  # commands answered before the line drops (connection closed)
    commands: list[list[str]] = field(default_factory=list)
    set_vars: dict[str, str] = field(default_factory=dict)
    dead: bool = False
    _hangup_sent: bool = False

    def answer(self, line: str) -> bytes | None:
        """The reply bytes for one command line; ``None`` closes the connection."""
        args = split_args(line)
        self.commands.append(args)
        if self.hang_up_after is not None and len(self.commands) > self.hang_up_after:
            return None
        if self.dead:
            notice = b"" if self._hangup_sent else b"HANGUP\n"
            self._hangup_sent = True
            return notice + DEAD
        return self.reply(args).encode()

    def reply(self, args: list[str]) -> str:
        key = command_key(args)
        if key[:2] == ("SET", "VARIABLE"):
            self.set_vars[args[2]] = args[3] if len(args) > 3 else ""
            return "200 result=1\n"
        if key[:2] == ("GET", "VARIABLE"):
            value = self.variables.get(args[2])
            return f"200 result=1 ({value})\n" if value is not None else "200 result=0\n"
        if key == ("STREAM", "FILE"):
            return "200 result=-1 endpos=0\n" if args[2] in self.missing else "200 result=0 endpos=8000\n"
        if key == ("WAIT", "FOR"):
            k = self.keys.pop(0) if self.keys else ""
            if k == "-1":
                self.dead = True
                return "200 result=-1\n"
            return f"200 result={ord(k) if k else 0}\n"
        if key[0] == "GET" and key[1] == "DATA":
            if args[2] in self.missing:  # the prompt cannot be played: -1 at once, keys unread
                return "200 result=-1\n"
            k = self.keys.pop(0) if self.keys else ""
            return f"200 result={k}\n" if k else "200 result= (timeout)\n"
        if key[0] == "SAY":
            return "200 result=0\n"
        if key == ("RECORD", "FILE"):
            return "200 result=35 (dtmf) endpos=24000\n"
        if key[0] in ("VERBOSE", "ANSWER", "NOOP"):
            return "200 result=1\n"
        return "510 Invalid or unknown command\n"


@dataclass
class Exchange:
    key: tuple[str, ...]
    replies: bytes  # what Asterisk sent for this command ("" if the line closed first)
    complete: bool = False


class RecordedChannel(ScriptedChannel):
    """Replays one recorded session (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        i = 0
        env = []
        while rows[i]["dir"] == "in":
            # a line that is not UTF-8 (a GBK caller name) keeps its exact bytes in raw_b64
            row = rows[i]
            env.append(base64.b64decode(row["raw_b64"]) if "raw_b64" in row else row["raw"].encode())
            i += 1
        self.env = b"".join(env)
        self.exchanges: list[Exchange] = []
        self.recorded_vars: dict[str, str] = {}
        self.recorded_digits: list[str] = []
        for row in rows[i:]:
            if row["dir"] == "out":
                args = split_args(row["raw"].rstrip("\n"))
                self.exchanges.append(Exchange(command_key(args), b""))
                if command_key(args)[:2] == ("SET", "VARIABLE"):
                    self.recorded_vars[args[2]] = args[3]
            else:
                # Replies come in command order; a HANGUP notice travels with the reply it
                # precedes (the recording's timing makes it look like the next command's).
                open_ = [e for e in self.exchanges if not e.complete]
                last = open_[0] if open_ else self.exchanges[-1]
                last.replies += row["raw"].encode()
                last.complete = last.complete or row["raw"] != "HANGUP\n"
                if last.key == ("WAIT", "FOR") and row["raw"].startswith("200 result="):
                    value = int(row["raw"].split("=", 1)[1].split()[0])
                    self.recorded_digits.append(chr(value) if value > 0 else "")
        self.aligned = 0

    def answer(self, line: str) -> bytes | None:
        args = split_args(line)
        if self.exchanges and command_key(args) == self.exchanges[0].key:
            ex = self.exchanges.pop(0)
            self.commands.append(args)
            self.aligned += 1
            if command_key(args)[:2] == ("SET", "VARIABLE"):
                self.set_vars[args[2]] = args[3] if len(args) > 3 else ""
            if b"HANGUP" in ex.replies:
                self._hangup_sent = True
            if b"result=-1" in ex.replies and ex.key == ("WAIT", "FOR"):
                self.dead = True
            return ex.replies or None
        return super().answer(line)


async def run_call(port: int, channel: ScriptedChannel, env: bytes,
                   timeout_s: float = 10.0) -> ScriptedChannel:
    """Connect, send ``env``, answer commands until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(env)
        async with asyncio.timeout(timeout_s):
            while True:
                try:
                    line = await reader.readline()
                except ConnectionError:  # the server closed on us with our data unread
                    break
                if not line:
                    break
                reply = channel.answer(line.decode("utf-8").rstrip("\n"))
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
    finally:
        writer.close()
    return channel
