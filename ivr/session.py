"""One FastAGI session: the command API a route handler uses (``await agi.stream_file(...)``).

A thin asyncio loop around :class:`ivr.protocol.AgiParser`: it writes one command, then reads
whole buffers until the reply arrives. ``HANGUP`` notices are remembered, not returned; every
read has a deadline, because Asterisk never times out a FastAGI session on its own side.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from dataclasses import dataclass

from ivr.protocol import (
    AgiEnv,
    AgiParser,
    EnvReady,
    Hangup,
    Message,
    Reply,
    clean_text,
    format_command,
)

log = logging.getLogger(__name__)

READ_CHUNK = 65536
REPLY_MARGIN_S = 10.0  # on top of a command's own timeout: Asterisk answers within it
LONG_COMMAND_S = 300.0  # prompts and recordings of unknown length
_NUMBER = re.compile(r"[^0-9+*#]")
ALL_DIGITS = "0123456789*#"
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}(\([A-Za-z0-9_-]{1,32}\))?")


class AgiError(Exception):
    """Base of session errors."""


class AgiHangup(AgiError):
    """The channel hung up (511, or ``HANGUP`` before an interactive command) or the
    connection closed or went silent: nothing more can be said to the caller."""


class ChannelFailure(AgiError):
    """A command returned ``result=-1``: Asterisk's word for "hung up or failed". The call may
    still be alive, so the handler routes the caller somewhere safe; if it is gone, the next
    command raises :class:`AgiHangup`."""


class AgiCommandError(AgiError):
    """510 or 520: Asterisk did not understand a command we sent (our bug, or its version)."""


@dataclass(frozen=True)
class StreamResult:
    digit: str  # the escape digit pressed, "" if none
    endpos: int
    missing: bool = False  # Asterisk could not play the file


@dataclass(frozen=True)
class RecordResult:
    digit: str
    reason: str  # "timeout", "dtmf", "hangup", "randomerror"…
    endpos: int


class AgiSession:
    """Commands to one channel. Not safe for concurrent use: one command at a time."""

    def __init__(self, env: AgiEnv, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 parser: AgiParser, pending: list[Message] | None = None, name: str = "") -> None:
        self.env = env
        self._reader, self._writer, self._parser = reader, writer, parser
        self._pending: deque[Message] = deque(pending or [])
        self.hung_up = False
        self.name = name or env.get("uniqueid", "?")
        self.commands = 0

    # --- caller facts (untrusted: arrive unescaped from the network) ----------------------

    @property
    def caller_number(self) -> str:
        raw = self.env.get("callerid")
        return "" if raw in ("", "unknown") else _NUMBER.sub("", raw)[:32]

    @property
    def caller_name(self) -> str:
        raw = self.env.get("calleridname")
        return "" if raw in ("", "unknown") else clean_text(raw)

    @property
    def language(self) -> str:
        return clean_text(self.env.get("language"), 16)

    # --- the wire -------------------------------------------------------------------------

    async def command(self, verb: str, *args: object, raw: tuple[object, ...] = (),
                      timeout_s: float | None = None) -> Reply:
        """Send one command and return its 200 reply; 511 → :class:`AgiHangup`,
        510/520 → :class:`AgiCommandError`."""
        self._writer.write(format_command(verb, *args, raw=raw))
        self.commands += 1
        if self._writer.transport.get_write_buffer_size() > READ_CHUNK:
            await self._writer.drain()
        reply = await self._reply(REPLY_MARGIN_S if timeout_s is None else timeout_s)
        if reply.code == 511:
            self.hung_up = True
            raise AgiHangup(f"{verb}: dead channel")
        if reply.code != 200:
            raise AgiCommandError(f"{verb}: {reply.text}")
        return reply

    async def _reply(self, timeout_s: float) -> Reply:
        try:
            async with asyncio.timeout(timeout_s):
                while True:
                    while self._pending:
                        msg = self._pending.popleft()
                        if isinstance(msg, Reply):
                            return msg
                        if isinstance(msg, Hangup):
                            self.hung_up = True
                        elif isinstance(msg, EnvReady):  # pragma: no cover - parser emits it once
                            continue
                    try:
                        data = await self._reader.read(READ_CHUNK)
                    except ConnectionError as exc:
                        data = b""
                        log.debug("%s: %s", self.name, exc)
                    if not data:
                        self.hung_up = True
                        raise AgiHangup("connection closed")
                    self._pending.extend(self._parser.feed(data))
        except TimeoutError:
            self.hung_up = True
            raise AgiHangup(f"no reply within {timeout_s:.0f} s") from None

    async def _interactive(self, verb: str, *args: object, raw: tuple[object, ...] = (),
                           timeout_s: float = LONG_COMMAND_S) -> Reply:
        # After HANGUP, playing or waiting is pointless: Asterisk would answer 511 anyway.
        if self.hung_up:
            raise AgiHangup(f"{verb}: caller hung up")
        return await self.command(verb, *args, raw=raw, timeout_s=timeout_s)

    # --- commands ---------------------------------------------------------------------------

    async def answer(self) -> None:
        await self.command("ANSWER")

    async def hangup(self) -> None:
        await self.command("HANGUP")

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command("VERBOSE", message, raw=(level,))

    async def set_variable(self, name: str, value: object) -> None:
        await self.command(f"SET VARIABLE {_name(name)}", value)

    async def get_variable(self, name: str) -> str | None:
        """The variable's value, ``None`` when it is not set."""
        reply = await self.command(f"GET VARIABLE {_name(name)}")
        return reply.data if reply.result == "1" else None

    async def stream_file(self, name: str, escape_digits: str = "") -> StreamResult:
        """Play a sound; a missing file (``result=-1 endpos=0``) is logged and reported."""
        reply = await self._interactive("STREAM FILE", name, escape_digits)
        endpos = reply.endpos or 0
        if reply.result == "-1":
            if endpos == 0 and not self.hung_up:
                log.warning("%s: prompt %r could not be played (missing sound file?)", self.name, name)
                return StreamResult("", 0, missing=True)
            raise ChannelFailure(f"STREAM FILE {name}: result=-1")
        return StreamResult(_digit(reply), endpos)

    async def wait_for_digit(self, timeout_ms: int) -> str:
        """The digit pressed, or "" when ``timeout_ms`` passed without one."""
        reply = await self._interactive("WAIT FOR DIGIT", raw=(timeout_ms,),
                                        timeout_s=timeout_ms / 1000 + REPLY_MARGIN_S)
        if reply.result == "-1":
            raise ChannelFailure("WAIT FOR DIGIT: result=-1")
        return _digit(reply)

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int,
                       digit_gap_ms: int = 4000) -> str:
        """Play ``prompt`` and collect up to ``max_digits`` digits (``#`` ends early).

        ``result=-1`` with the channel still there (no ``HANGUP`` notice, no 511) is what an
        unplayable prompt gets: the caller still keys the digits, collected one by one with
        ``WAIT FOR DIGIT`` (``digit_gap_ms`` between them). A channel that is gone fails that
        next command, as it would any other."""
        reply = await self._interactive("GET DATA", prompt, raw=(timeout_ms, max_digits))
        if reply.result == "-1":
            if self.hung_up:
                raise AgiHangup("GET DATA: caller hung up")
            log.warning("%s: GET DATA %r gave result=-1 (prompt not playable?); collecting the "
                        "digits without it", self.name, prompt)
            return await self.collect_digits(timeout_ms, max_digits, digit_gap_ms)
        return re.sub(r"[^0-9*#]", "", reply.result)

    async def collect_digits(self, timeout_ms: int, max_digits: int, digit_gap_ms: int = 4000) -> str:
        """Up to ``max_digits`` digits with ``WAIT FOR DIGIT``: ``timeout_ms`` for the first,
        ``digit_gap_ms`` for each next; ``#`` ends (and is not kept), as ``GET DATA`` does."""
        digits = ""
        while len(digits) < max_digits:
            key = await self.wait_for_digit(timeout_ms if not digits else digit_gap_ms)
            if not key or key == "#":
                break
            digits += key
        return digits

    async def say_digits(self, digits: str, escape_digits: str = "") -> str:
        reply = await self._interactive("SAY DIGITS", re.sub(r"[^0-9*#]", "", digits), escape_digits)
        if reply.result == "-1":
            raise ChannelFailure("SAY DIGITS: result=-1")
        return _digit(reply)

    async def say_number(self, number: int, escape_digits: str = "") -> str:
        reply = await self._interactive("SAY NUMBER", int(number), escape_digits)
        if reply.result == "-1":
            raise ChannelFailure("SAY NUMBER: result=-1")
        return _digit(reply)

    async def record_file(self, path: str, fmt: str = "wav", escape_digits: str = "#",
                          timeout_ms: int = 30000, beep: bool = True, silence_s: int = 3) -> RecordResult:
        """Record the caller until an escape digit, silence, the time limit or hang-up."""
        raw: tuple[object, ...] = (timeout_ms, *(("BEEP",) if beep else ()), f"s={silence_s}")
        reply = await self._interactive("RECORD FILE", path, fmt, escape_digits, raw=raw,
                                        timeout_s=timeout_ms / 1000 + REPLY_MARGIN_S)
        return RecordResult(_digit(reply), reply.data or "", reply.endpos or 0)


def _name(name: str) -> str:
    # Variable names are ours, never a caller's: sent bare, as Asterisk's own examples do
    # (and as simple AGI peers expect), after checking they cannot carry anything else.
    if not _VAR_NAME.fullmatch(name):
        raise ValueError(f"not a channel variable name: {name!r}")
    return name


def _digit(reply: Reply) -> str:
    value = reply.value
    return chr(value) if value is not None and 32 < value < 127 else ""
