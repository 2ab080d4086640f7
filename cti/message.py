"""One AMI message: its headers read lazily, Asterisk's C escapes undone where it makes them.

``Message.get`` finds one header with ``str.find``; the full header dict is built only when
asked for. Duplicate keys (``ChanVariable``) are kept: ``getall`` returns every value. A message
with a backslash in it is an ``EscapedMessage``: Asterisk C-escapes caller-ID names in the
channel fields of its events (``ast_escape_c``: ``O'Brien`` arrives as ``O\\'Brien``) and the value
of ``VarSet``; ``get``, ``headers`` and ``items`` undo exactly that (``cti/decoding.py``), ``text``
stays as sent. The parser that frames messages out of bytes is ``cti/protocol.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from cti.decoding import ESCAPABLE_KEYS, escaped_header, unescape_c


class Message:
    """One AMI message (an event or a response); ``text`` has ``\\n`` line ends and is the
    message as sent. A message with a backslash in it is an ``EscapedMessage`` (``message``
    picks the class), whose values come back with Asterisk's C escapes undone."""

    __slots__ = ("text", "_headers", "_dups", "irregular", "bad_lines", "size", "event", "_first")

    def __init__(self, text: str, size: int = 0, lines: int = 0) -> None:
        """``lines``: the number of lines if the caller knows it (the parser does)."""
        self.text = text
        self.size = size or len(text)
        self._headers: dict[str, str] | None = None
        self._dups: dict[str, list[str]] | None = None
        self.bad_lines: Sequence[str] = ()  # _parse gives an irregular message its list
        # A line without ":" (or "Key:Value" without the space) makes the fast lookups unsafe.
        self.irregular = text.count(": ") < (lines or text.count("\n") + 1)
        if self.irregular:
            self._parse()
        #: The event name, "" for a response (read once: every consumer asks for it).
        self.event: str
        self._first: str | None  # the first line's key (see get)
        if text.startswith("Event: "):
            self._first = "Event"  # no other key can be at position 0
            end = text.find("\n")
            self.event = text[7:] if end < 0 else text[7:end]
        else:
            i = text.find(": ")
            self._first = text[:i] if i >= 0 else None
            self.event = self.get("Event")

    @classmethod
    def from_headers(cls, pairs: Iterable[tuple[str, str]] | Mapping[str, str]) -> Message:
        """Build a message from header pairs (tests, the replay server)."""
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        text = "\n".join(f"{k}: {v}" for k, v in items)
        return (EscapedMessage if cls is Message and "\\" in text else cls)(text)

    # --- what kind of message --------------------------------------------------------

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
        needle = _NEEDLES.get(key)  # "\nKey: ", made once per key
        if needle is None:
            needle = _needle(key)
            if needle is None:
                return self._get_plain(key, default)
        if key == self._first:  # the first line's key: position 0 is its first occurrence
            start = len(key) + 2
        else:
            start = t.find(needle)
            if start < 0:
                return default
            start += len(needle)
        end = t.find("\n", start)
        return t[start:] if end < 0 else t[start:end]

    def _get_plain(self, key: str, default: str) -> str:
        """``get`` for a key no needle is cached for (``": "`` or a line break in it)."""
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
        bad_lines: list[str] = []
        self.bad_lines = bad_lines
        headers: dict[str, str] = {}
        dups: dict[str, list[str]] | None = None
        for line in self.text.split("\n"):
            key, sep, value = line.partition(":")
            if not sep or not key.strip():
                if line.strip():
                    bad_lines.append(line)
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


class EscapedMessage(Message):
    """A message with a backslash in it: the values of the headers Asterisk C-escapes
    (``escaped_header``) come back unescaped from ``get``, ``headers`` and ``items``; ``text``
    stays as sent. Only messages whose bytes hold a backslash are made this way, so the
    plain ``Message.get`` of every other message pays nothing for it."""

    __slots__ = ()

    def get(self, key: str, default: str = "") -> str:
        if self._headers is not None:  # unescaped when the dict was built
            return self._headers.get(key, default)
        value = Message.get(self, key, default)
        # the key is checked before ``event``: __init__ asks for "Event" before it is set
        if "\\" in value and key.endswith(ESCAPABLE_KEYS) and escaped_header(self.event, key):
            return unescape_c(value)
        return value

    def items(self) -> Iterator[tuple[str, str]]:
        for key, value in Message.items(self):
            if "\\" in value and escaped_header(self.event, key):
                value = unescape_c(value)
            yield key, value

    def _parse(self) -> None:
        Message._parse(self)
        headers, dups = self._headers, self._dups
        assert headers is not None
        event = headers.get("Event", "")  # the event's name is known once every line is read
        for key, value in headers.items():
            if "\\" in value and escaped_header(event, key):
                headers[key] = unescape_c(value)
        for key, values in (dups or {}).items():
            if escaped_header(event, key):
                values[:] = [unescape_c(v) for v in values]


def message(text: str, size: int = 0, lines: int = 0) -> Message:
    """A ``Message``, or an ``EscapedMessage`` when ``text`` has a backslash in it."""
    return (EscapedMessage if "\\" in text else Message)(text, size, lines)


_MISSING = "\x00missing"
_NEEDLES: dict[str, str] = {}


def _needle(key: str) -> str | None:
    """``"\\nKey: "`` for ``Message.get``; None for a key that is not a plain header name."""
    if ": " in key or "\n" in key or key.endswith(":"):
        return None
    needle = "\n" + key + ": "
    if len(_NEEDLES) < 4096:  # header names are few; never let odd callers grow it
        _NEEDLES[key] = needle
    return needle
