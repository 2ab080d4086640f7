"""The Asterisk Manager Interface wire format, without I/O: bytes in, messages out.

``AmiParser.feed(bytes)`` returns every complete message in the bytes seen so far. It works
on whole buffers (``bytes.replace``/``split``/``find`` run in C), so a 64 KiB read costs a few
calls rather than a loop per byte or per line:

- line ends are ``\\r\\n``; bare ``\\n`` is tolerated (a ``\\r`` that ends one read and the
  ``\\n`` that starts the next are joined before normalising);
- messages are split on the blank line *before* decoding, so a UTF-8 character split across
  reads is whole again when its message is decoded (panoramisk decodes per read and loses it);
- a message that is not UTF-8 is decoded with ``errors="replace"`` and logged;
- a message over ``max_message`` bytes is dropped with a log line and the parser resyncs at
  the next blank line;
- the banner (``Asterisk Call Manager/x.y.z``) is the one line without a blank line after it.

Headers are parsed lazily: most events a listener sees are noise (``Newexten``,
``DeviceStateChange``…) and are dismissed by name, which is a slice of the first line.
``Message.get`` finds one header with ``str.find``; the full header dict is built only when
asked for. Duplicate keys (``ChanVariable``) are kept: ``getall`` returns every value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence

log = logging.getLogger(__name__)

BANNER_PREFIX = b"Asterisk Call Manager"
DEFAULT_MAX_MESSAGE = 1024 * 1024


class Message:
    """One AMI message (an event or a response); ``text`` has ``\\n`` line ends."""

    __slots__ = ("text", "_headers", "_dups", "irregular", "bad_lines", "size")

    def __init__(self, text: str, size: int = 0) -> None:
        self.text = text
        self.size = size or len(text)
        self._headers: dict[str, str] | None = None
        self._dups: dict[str, list[str]] | None = None
        self.bad_lines: list[str] = []
        # A line without ":" (or "Key:Value" without the space) makes the fast lookups unsafe.
        self.irregular = text.count(": ") < text.count("\n") + 1
        if self.irregular:
            self._parse()

    @classmethod
    def from_headers(cls, pairs: Iterable[tuple[str, str]] | Mapping[str, str]) -> Message:
        """Build a message from header pairs (tests, the replay server)."""
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        return cls("\n".join(f"{k}: {v}" for k, v in items))

    # --- what kind of message --------------------------------------------------------

    @property
    def event(self) -> str:
        """The event name, "" for a response."""
        t = self.text
        if t.startswith("Event: "):
            end = t.find("\n")
            return t[7:] if end < 0 else t[7:end]
        return self.get("Event")

    @property
    def response(self) -> str:
        """``Success``/``Error``/``Goodbye``…, "" for an event."""
        t = self.text
        if t.startswith("Response: "):
            end = t.find("\n")
            return t[10:] if end < 0 else t[10:end]
        return "" if t.startswith("Event: ") else self.get("Response")

    # --- headers -----------------------------------------------------------------------

    def get(self, key: str, default: str = "") -> str:
        """The first value of header ``key`` (exact case), ``default`` if absent."""
        if self._headers is not None:
            return self._headers.get(key, default)
        t = self.text
        needle = key + ": "
        if t.startswith(needle):
            start = len(needle)
        else:
            i = t.find("\n" + needle)
            if i < 0:
                return default
            start = i + 1 + len(needle)
        end = t.find("\n", start)
        return t[start:] if end < 0 else t[start:end]

    def __getitem__(self, key: str) -> str:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    @property
    def headers(self) -> dict[str, str]:
        """Every header, first value wins for duplicated keys."""
        if self._headers is None:
            self._parse()
        assert self._headers is not None
        return self._headers

    def getall(self, key: str) -> list[str]:
        """Every value of ``key`` in order (``ChanVariable`` may appear many times)."""
        headers = self.headers
        if self._dups is not None and key in self._dups:
            return list(self._dups[key])
        return [headers[key]] if key in headers else []

    def chan_variables(self, key: str = "ChanVariable") -> dict[str, str]:
        """``ChanVariable: NAME=value`` headers as a dict (``channelvars`` in manager.conf)."""
        if key + ": " not in self.text:
            return {}
        out: dict[str, str] = {}
        for item in self.getall(key):
            name, sep, value = item.partition("=")
            if sep:
                out.setdefault(name.strip(), value)
        return out

    def items(self) -> Iterator[tuple[str, str]]:
        """Header pairs in wire order, duplicates included."""
        for line in self.text.split("\n"):
            key, sep, value = line.partition(":")
            if sep:
                yield key.strip(), value[1:] if value.startswith(" ") else value

    def _parse(self) -> None:
        headers: dict[str, str] = {}
        dups: dict[str, list[str]] | None = None
        for line in self.text.split("\n"):
            key, sep, value = line.partition(":")
            if not sep or not key.strip():
                if line.strip():
                    self.bad_lines.append(line)
                continue
            key = key.strip()
            value = value[1:] if value.startswith(" ") else value
            if key in headers:
                if dups is None:
                    dups = {}
                dups.setdefault(key, [headers[key]]).append(value)
            else:
                headers[key] = value
        self._headers, self._dups = headers, dups

    def __repr__(self) -> str:
        name = self.event or self.response
        return f"<Message {name or '?'} {len(self.text)} chars>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


_MISSING = "\x00missing"


class AmiParser:
    """Incremental AMI parser for one connection. ``feed`` never raises on bad input."""

    def __init__(self, max_message: int = DEFAULT_MAX_MESSAGE, expect_banner: bool = True,
                 events: Iterable[str] | None = None) -> None:
        """``events``: if given, only events of these names (plus responses and anything
        carrying an ActionID) are decoded; the rest are framed, counted in ``skipped`` and
        dropped undecoded, like an AMI ``eventfilter`` on our side of the socket."""
        self.max_message = max_message
        self.wanted = frozenset(e.encode() for e in events) if events is not None else None
        self.skipped = 0
        self.banner: str | None = None
        self._need_banner = expect_banner
        self._buf = bytearray()
        self._cr = False  # the last read ended in "\r": its "\n" may start the next read
        self._discarding = False
        self.messages = 0
        self.dropped_oversize = 0
        self.decode_errors = 0
        self.malformed = 0

    def reset(self) -> None:
        """Forget everything: a new connection starts with a new banner."""
        self.banner = None
        self._need_banner = True
        self._buf = bytearray()
        self._cr = self._discarding = False

    def feed(self, data: bytes) -> list[Message]:
        """Consume ``data``; return the messages it completed (possibly none)."""
        data = self._normalise(data)
        if not data:
            return []
        buf = self._buf
        start = max(len(buf) - 1, 0)
        buf += data
        if self._need_banner:
            if not self._take_banner():
                return []
            start = 0
        if self._discarding:
            if not self._resync(start):
                return []
            start = 0
        if buf.find(b"\n\n", start) < 0:
            self._check_size()
            return []
        parts = buf.split(b"\n\n")
        self._buf = bytearray(parts.pop())
        out: list[Message] = []
        wanted = self.wanted
        for part in parts:
            if wanted is not None and part.startswith(b"Event: ") and len(part) <= self.max_message:
                end = part.find(b"\n")
                if bytes(part[7:end]) not in wanted and b"\nActionID: " not in part:
                    self.skipped += 1
                    continue
            msg = self._message(part)
            if msg is not None:
                out.append(msg)
        self._check_size()
        return out

    def _normalise(self, data: bytes) -> bytes:
        if self._cr:
            data = b"\r" + data
            self._cr = False
        if data.endswith(b"\r"):
            data = data[:-1]
            self._cr = True
        return data.replace(b"\r\n", b"\n") if b"\r" in data else data

    def _take_banner(self) -> bool:
        """Consume the banner line if there is one; False while the first line is incomplete."""
        buf = self._buf
        stripped = len(buf) - len(buf.lstrip(b"\n"))
        if stripped:
            del buf[:stripped]
        end = buf.find(b"\n")
        if end < 0:
            if len(buf) >= len(BANNER_PREFIX) and not buf.startswith(BANNER_PREFIX):
                self._need_banner = False  # a stream without a banner (a replayed capture)
                return True
            return False
        self._need_banner = False
        line = bytes(buf[:end])
        if line.startswith(BANNER_PREFIX):
            self.banner = line.decode("utf-8", "replace").strip()
            del buf[: end + 1]
        return True

    def _resync(self, start: int) -> bool:
        buf = self._buf
        end = buf.find(b"\n\n", start)
        if end < 0:
            del buf[:-1]  # keep one byte: it may be the first "\n" of the blank line
            return False
        del buf[: end + 2]
        self._discarding = False
        return True

    def _check_size(self) -> None:
        if len(self._buf) > self.max_message:
            self.dropped_oversize += 1
            log.warning("AMI: dropping a message over %d bytes (incomplete, %d bytes so far); "
                        "resyncing at the next blank line", self.max_message, len(self._buf))
            del self._buf[:-1]
            self._discarding = True

    def _message(self, part: bytes | bytearray) -> Message | None:
        if part.startswith(b"\n"):
            part = part.lstrip(b"\n")
        if not part:
            return None
        if len(part) > self.max_message:
            self.dropped_oversize += 1
            log.warning("AMI: dropped a message of %d bytes (limit %d): %r…", len(part),
                        self.max_message, bytes(part[:60]))
            return None
        try:
            text = part.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.decode_errors += 1
            text = part.decode("utf-8", "replace")
            log.warning("AMI: message is not UTF-8 (%s), decoded with replacement: %r", exc.reason,
                        text[:80])
        msg = Message(text, len(part))
        if msg.bad_lines:
            self.malformed += 1
            log.warning("AMI: %d malformed line(s) in %s message, ignored: %r", len(msg.bad_lines),
                        msg.event or msg.response or "an unnamed", msg.bad_lines[0][:80])
        self.messages += 1
        return msg


def parse_all(data: bytes, max_message: int = DEFAULT_MAX_MESSAGE) -> list[Message]:
    """Every complete message in ``data`` (a recorded ``ami.raw``)."""
    return AmiParser(max_message).feed(data)


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
