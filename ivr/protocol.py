"""The AGI protocol, sans I/O: bytes in, messages out; commands out as bytes.

Asterisk speaks AGI over FastAGI as newline-terminated lines:

- first the ``agi_*`` environment, ``key: value`` lines ended by one blank line;
- then, for every command the server sends, one reply: ``200 result=N [(data)] [k=v ...]``,
  ``510`` (unknown command), ``511`` (dead channel), ``520`` (usage; single line, or the
  multi-line ``520-`` ... ``520 End of proper usage.`` form);
- ``HANGUP`` arrives on its own line whenever the channel hangs up, typically just before
  the reply to the command in flight; it is a notice, not a reply.

Nothing here holds a socket or blocks: :class:`AgiParser` is fed whatever bytes arrived and
returns the complete messages found, so it can be tested at every split point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LINE = 4096  # bytes; Asterisk's own command buffer is 2048, its env lines are short
MAX_ENV_LINES = 200  # 26 standard keys plus agi_arg_N

_ENV_KEY = re.compile(r"agi_[a-z0-9_]{1,40}\Z")
_KV = re.compile(r"([a-z_]+)=(\S*)")
_TAIL = re.compile(r"(?:\s+[a-z_]+=\S*)*\s*\Z")
_TOKEN = re.compile(r"[A-Za-z0-9_=]{1,20}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ProtocolError(ValueError):
    """The peer sent something that is not AGI; the session must end."""


@dataclass(frozen=True)
class AgiEnv:
    """The ``agi_*`` block, keys without the ``agi_`` prefix. Values are untrusted text."""

    values: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)

    @property
    def request(self) -> str:
        return self.get("request")

    @property
    def path(self) -> str:
        """The script path of ``agi://host:port/path?args`` without leading slash or query."""
        script = self.get("network_script") or _path_of(self.request)
        return script.split("?", 1)[0].strip("/")

    @property
    def args(self) -> list[str]:
        found = []
        for n in range(1, 100):
            value = self.values.get(f"arg_{n}")
            if value is None:
                break
            found.append(value)
        return found


def _path_of(request: str) -> str:
    rest = request.split("://", 1)[-1]
    return rest.split("/", 1)[1] if "/" in rest else ""


@dataclass(frozen=True)
class Reply:
    """One reply line (or a multi-line 520 assembled into one)."""

    code: int
    result: str = ""
    data: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    text: str = ""  # the raw line(s), for logs and 5xx messages

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def value(self) -> int | None:
        """``result`` as an int (``None`` when it is empty or not a number, as GET DATA may)."""
        try:
            return int(self.result)
        except ValueError:
            return None

    @property
    def endpos(self) -> int | None:
        raw = self.extra.get("endpos")
        return int(raw) if raw is not None and raw.lstrip("-").isdigit() else None


@dataclass(frozen=True)
class Hangup:
    """The ``HANGUP`` notice: the channel is gone; replies may still follow."""


@dataclass(frozen=True)
class EnvReady:
    env: AgiEnv


Message = EnvReady | Reply | Hangup


def parse_reply(line: str) -> Reply:
    """Parse one complete reply line (without the newline)."""
    code_text, _, rest = line.partition(" ")
    if not (len(code_text) == 3 and code_text.isdigit()):
        raise ProtocolError(f"not an AGI reply: {line[:80]!r}")
    code = int(code_text)
    if code != 200:
        return Reply(code, text=line)
    if not rest.startswith("result="):
        raise ProtocolError(f"200 reply without result=: {line[:80]!r}")
    rest = rest[len("result="):]
    result, _, rest = rest.partition(" ")
    data, tail = _split_data(rest)
    extra = dict(_KV.findall(tail))
    return Reply(200, result, data, extra, line)


def _split_data(rest: str) -> tuple[str | None, str]:
    # The data in parentheses is a channel variable's value or a caller's input: it may hold
    # parentheses and spaces itself, so the closing one is the last ``)`` followed only by
    # key=value pairs.
    if not rest.startswith("("):
        return None, rest
    close = len(rest)
    while True:
        close = rest.rfind(")", 0, close)
        if close < 0:
            raise ProtocolError(f"unclosed data in reply: {rest[:80]!r}")
        if _TAIL.match(rest, close + 1):
            return rest[1:close], rest[close + 1:]


class AgiParser:
    """Feed bytes, get messages: first one :class:`EnvReady`, then replies and hangups.

    Each line is decoded as UTF-8, else as GB18030 (a Chinese trunk's caller name in GBK),
    else with U+FFFD for the bytes that are neither (counted in ``gb18030`` and ``replaced``):
    a caller's name never costs them the menu. Lines longer than :data:`MAX_LINE`, malformed
    environment lines and unknown reply forms raise :class:`ProtocolError`.
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._env: dict[str, str] | None = {}
        self._usage: list[str] | None = None  # collecting a multi-line 520
        self.gb18030 = 0  # lines decoded as GB18030
        self.replaced = 0  # lines with bytes in neither encoding

    @property
    def env_done(self) -> bool:
        return self._env is None

    def feed(self, data: bytes) -> list[Message]:
        self._buf += data
        out: list[Message] = []
        start = 0
        while True:
            nl = self._buf.find(b"\n", start)
            if nl < 0:
                break
            if nl - start > self.max_line:
                raise ProtocolError(f"line longer than {self.max_line} bytes")
            raw = bytes(self._buf[start:nl])
            start = nl + 1
            msg = self._line(self._decode(raw).rstrip("\r"))
            if msg is not None:
                out.append(msg)
        del self._buf[:start]
        if len(self._buf) > self.max_line:
            raise ProtocolError(f"line longer than {self.max_line} bytes")
        return out

    def _decode(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            text = raw.decode("gb18030")
            self.gb18030 += 1
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            self.replaced += 1
        return text

    def _line(self, line: str) -> Message | None:
        if self._env is not None:
            return self._env_line(line)
        if self._usage is not None:
            return self._usage_line(line)
        if line == "HANGUP":
            return Hangup()
        if line.startswith("520-"):
            self._usage = [line]
            return None
        if not line:
            return None  # stray blank lines between replies carry nothing
        return parse_reply(line)

    def _env_line(self, line: str) -> Message | None:
        assert self._env is not None
        if not line:
            env, self._env = AgiEnv(self._env), None
            return EnvReady(env)
        key, sep, value = line.partition(":")
        if not sep or not _ENV_KEY.match(key):
            raise ProtocolError(f"not an agi_* environment line: {line[:80]!r}")
        if len(self._env) >= MAX_ENV_LINES:
            raise ProtocolError("environment block too long")
        self._env[key[4:]] = value[1:] if value.startswith(" ") else value
        return None

    def _usage_line(self, line: str) -> Message | None:
        assert self._usage is not None
        self._usage.append(line)
        if line.startswith("520 "):
            text, self._usage = "\n".join(self._usage), None
            return Reply(520, text=text)
        if len(self._usage) > MAX_ENV_LINES:
            raise ProtocolError("520 usage text never ends")
        return None




def quote(arg: object) -> str:
    """One command argument, safe to send whatever it holds.

    Asterisk splits a command on blanks, groups by double quotes and takes a backslash as an
    escape; a newline would end the command and start another. So control characters become
    spaces, ``\\`` and ``"`` are escaped, and the whole is quoted.
    """
    text = _CONTROL.sub(" ", str(arg))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(verb: str, *args: object, raw: tuple[object, ...] = ()) -> bytes:
    """``verb`` (trusted, e.g. ``"STREAM FILE"``) + quoted ``args`` + ``raw`` numbers, one line.

    ``raw`` carries arguments we produce ourselves and Asterisk reads bare (timeouts,
    offsets, ``BEEP``, ``s=3``); they are checked to be integers or plain tokens.
    """
    parts = [verb, *(quote(a) for a in args)]
    for r in raw:
        if not (isinstance(r, int) or (isinstance(r, str) and _TOKEN.match(r))):
            raise TypeError(f"raw AGI argument must be an int or a plain token, got {r!r}")
        parts.append(str(r))
    line = " ".join(parts).encode("utf-8") + b"\n"
    if len(line) > MAX_LINE:
        raise ValueError(f"AGI command longer than {MAX_LINE} bytes")
    return line


def clean_text(value: str, limit: int = 80) -> str:
    """An untrusted value (caller ID name…) made fit for a log line or a variable."""
    return _CONTROL.sub(" ", value)[:limit]


def split_command(line: str) -> list[str]:
    """Split a command line as Asterisk's ``parse_args`` does (blanks, double quotes,
    backslash escapes): what Asterisk will see of a line we format."""
    out: list[str] = []
    cur: list[str] = []
    quoted = escaped = started = False
    for ch in line:
        if escaped:
            cur.append(ch)
            escaped, started = False, True
        elif ch == "\\":
            escaped = started = True
        elif ch == '"':
            quoted, started = not quoted, True
        elif ch in " \t" and not quoted:
            if started:
                out.append("".join(cur))
            cur, started = [], False
        else:
            cur.append(ch)
            started = True
    if started:
        out.append("".join(cur))
    return out
