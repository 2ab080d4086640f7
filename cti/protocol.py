"""The Asterisk Manager Interface wire format, without I/O: bytes in, messages out.

``AmiParser.feed(bytes)`` returns every complete message in the bytes seen so far. It works
on whole buffers (``split``/``find``/``startswith`` run in C), so a 64 KiB read costs a few
calls rather than a loop per byte or per line:

- line ends are ``\\r\\n``; bare ``\\n`` is tolerated (from the first one on, the connection
  normalises every read, and a ``\\r`` that ends one read joins the ``\\n`` that starts the next);
- messages are split on the blank line *before* decoding, so a UTF-8 character split across
  reads is whole again when its message is decoded (panoramisk decodes per read and loses it);
- a message is decoded as UTF-8 in one call; only when that fails is it decoded line by line
  (``decode_message``): each header value as UTF-8, else as GB18030 (Chinese PBXs and trunks
  send caller names in GBK), else with ``errors="replace"`` (logged), so one odd value never
  spoils the others;
- a message with a backslash in it becomes an ``EscapedMessage``, whose values come back with
  Asterisk's C escapes undone (``cti/message.py``);
- a message over ``max_message`` bytes is dropped with a log line and the parser resyncs at
  the next blank line;
- the banner (``Asterisk Call Manager/x.y.z``) is the one line without a blank line after it;
- with an event filter (the listener's), the events nobody uses are framed and counted but
  never decoded: a batch is sorted by name with ``map(bytes.startswith, parts, …)``, so
  skipping one costs no Python bytecode; the VarSet filter reads the variable name from the
  raw bytes (Asterisk sets dozens of its own variables per call).

Messages read their headers lazily (``cti/message.py``); actions are written by
``cti/actions.py``. Both are re-exported here, the AMI wire format's one name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from itertools import compress, repeat

from cti.actions import ActionError, format_action
from cti.decoding import (
    GB18030,
    REPLACED,
    UTF8,
    decode_message,
)
from cti.message import EscapedMessage, Message, message

__all__ = ["BANNER_PREFIX", "DEFAULT_MAX_MESSAGE", "ActionError", "AmiParser", "EscapedMessage",
           "Message", "format_action", "message", "parse_all"]

log = logging.getLogger(__name__)

BANNER_PREFIX = b"Asterisk Call Manager"
DEFAULT_MAX_MESSAGE = 1024 * 1024
_SEP = b"\r\n\r\n"
_FREQUENT = {name: i for i, name in enumerate(
    (b"VarSet", b"Newexten", b"Newchannel", b"Hangup", b"NewCallerid", b"Newstate"))}
_WINDOW = 65536  # bytes parsed at a time: the buffer and its parts stay in the CPU cache
_ACTION_ID = b"\nActionID: "
_BARE_LF = re.compile(rb"\n(?<!\r\n)")  # a line feed without its carriage return

class AmiParser:
    """Incremental AMI parser for one connection. ``feed`` never raises on bad input.

    Two ways through, with the same results (``tests/cti/test_parser_equivalence.py``):

    - *CRLF* (what Asterisk sends): the buffer is kept as received and split on
      ``\\r\\n\\r\\n``; with an event filter, the parts are sorted by name with C-level
      ``map``/``startswith``/``compress`` over the whole batch, so an event nobody wants
      costs no Python bytecode at all, and only the kept parts are normalised and decoded.
    - *normalised*: the first line feed without its carriage return switches the
      connection (until ``reset``) to normalising every read before splitting on ``\\n\\n``.
    """

    def __init__(self, max_message: int = DEFAULT_MAX_MESSAGE, expect_banner: bool = True,
                 events: Iterable[str] | None = None,
                 variables: Iterable[str] | None = None) -> None:
        """``events``: if given, only events of these names (plus responses and anything
        carrying an ActionID) are decoded; the rest are framed, counted in ``skipped`` and
        dropped undecoded, like an AMI ``eventfilter`` on our side of the socket. An event
        without a single header line is skipped too.

        ``variables``: if given, a ``VarSet`` event is decoded only when its ``Variable`` is
        one of these (or it carries an ActionID); the others are counted in ``skipped``."""
        self.max_message = max_message
        self.wanted = frozenset(e.encode() for e in events) if events is not None else None
        self.variables = frozenset(variables) if variables is not None else None
        self._var_bytes = (frozenset(v.encode() for v in self.variables)
                           if self.variables is not None else frozenset())
        # Raw bytes equal a wanted name's UTF-8 iff the decoded name equals it, when every
        # name is ASCII (a GB18030 or replaced value never decodes to ASCII); otherwise such
        # VarSets are decided once decoded.
        self._var_raw = all(v.isascii() for v in self.variables or ())
        # The names Asterisk sends most first: a matching part stops at its own prefix.
        self._prefixes = tuple(b"Event: " + name + b"\r\n" for name in sorted(
            self.wanted or (), key=lambda name: (_FREQUENT.get(name, len(_FREQUENT)), name)))
        self.skipped = 0
        self.banner: str | None = None
        self._need_banner = expect_banner
        self._buf = bytearray()
        self._crlf = True  # the buffer holds the bytes as received: no bare "\n" seen yet
        self._cr = False  # normalised mode: the last read ended in "\r"
        self._discarding = False
        self.messages = 0
        self.dropped_oversize = 0
        self.decode_errors = 0  # messages with bytes in neither UTF-8 nor GB18030
        self.gb18030 = 0  # messages with a value in GB18030 (GBK caller names)
        self.malformed = 0

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message held for the next read (0: none, or only blank
        lines): what is left when a connection or a file ends inside a message."""
        if self._discarding or not self._buf.strip():
            return 0
        return len(self._buf)

    def reset(self) -> None:
        """Forget everything: a new connection starts with a new banner."""
        self.banner = None
        self._need_banner = True
        self._buf = bytearray()
        self._crlf = True
        self._cr = self._discarding = False

    def feed(self, data: bytes) -> list[Message]:
        """Consume ``data``; return the messages it completed (possibly none)."""
        if len(data) > _WINDOW:  # a big read in cache-sized windows: several passes each
            out: list[Message] = []
            for i in range(0, len(data), _WINDOW):
                out += self.feed(data[i:i + _WINDOW])
            return out
        if not self._crlf:
            return self._feed_normalised(data)
        buf = self._buf
        old = len(buf)
        buf += data
        if _BARE_LF.search(buf, old) is not None:
            return self._to_normalised()
        start = max(old - 3, 0)
        if self._need_banner:
            if not self._take_banner_crlf():
                return []
            start = 0
        if self._discarding:
            if not self._resync_crlf(start):
                return []
            start = 0
        if buf.find(_SEP, start) < 0:
            self._check_size_crlf()
            return []
        raw = bytes(buf)
        parts = raw.split(_SEP)
        rest = parts.pop()
        self._buf = bytearray(rest)
        out = self._parts_crlf(raw, parts, len(raw) - len(rest))
        self._check_size_crlf()
        return out

    # --- CRLF mode -------------------------------------------------------------------

    def _parts_crlf(self, raw: bytes, parts: list[bytes], region: int) -> list[Message]:
        out: list[Message] = []
        n = len(parts)
        # A backslash anywhere in the batch (rare: Asterisk's C escapes)? Only then look at
        # each part for one, to make its message an EscapedMessage.
        esc = b"\\" in raw
        if (self.wanted is None or region > self.max_message
                # Every part starts with "Event: " iff all lie in ["Event: ", "Event:!"):
                # two C loops of comparisons instead of one call per part.
                or min(parts) < b"Event: " or max(parts) >= b"Event:!"
                or (aid := self._action_ids_named(raw, region)) is None):
            for part in parts:  # responses, stray lines, no filter: one part at a time
                self._part(part.replace(b"\r\n", b"\n"), out, esc)
            return out
        # Every part is an event under the size limit (so the blank lines are single), and
        # every event carrying an ActionID is wanted by name: sort them by name in C.
        flagged = unwanted_vars = 0
        check_var, raw_var, var_bytes = self.variables is not None, self._var_raw, self._var_bytes
        any_aid = check_var and aid  # a VarSet carries an ActionID: look at each one
        for part in compress(parts, map(bytes.startswith, parts, repeat(self._prefixes))):
            flagged += 1
            varset = False
            if check_var and part.startswith(b"Event: VarSet\r\n"):
                # Asterisk puts Variable near the end: find it from there. With no other
                # "Variable" before it, it is what Message.get reads (by find or by dict).
                i = part.rfind(b"\nVariable: ")
                keep: bool | None = None  # None: decide on the decoded message
                if raw_var and i >= 0 and part.find(b"Variable", 0, i) < 0:
                    j = part.find(b"\r\n", i + 11)
                    keep = (part[i + 11:] if j < 0 else part[i + 11:j]) in var_bytes
                if keep is not True and any_aid and _ACTION_ID in part:
                    keep = True  # an event carrying an ActionID is kept whatever it is
                if keep is False:
                    unwanted_vars += 1
                    continue
                varset = keep is None
            data = part.replace(b"\r\n", b"\n")
            try:
                # Every "\n" was a "\r\n" (no bare line feed in this mode): lines for free.
                msg = (EscapedMessage if esc and b"\\" in part else Message)(
                    data.decode("utf-8"), len(data), len(part) - len(data) + 1)
            except UnicodeDecodeError:
                slow = self._message(data, varset)  # logs, replaces, counts
                if slow is not None:
                    out.append(slow)
                continue
            if varset and msg.get("Variable") not in self.variables:  # type: ignore[operator]
                self.skipped += 1
                continue
            if msg.bad_lines:
                self._malformed(msg)
            self.messages += 1
            out.append(msg)
        self.skipped += n - flagged + unwanted_vars
        return out

    def _action_ids_named(self, raw: bytes, region: int) -> bool | None:
        """None if an event carrying an ActionID in ``raw[:region]`` is not wanted by name
        (a list item: the slow way keeps it); else whether a VarSet carries one."""
        varset = False
        at = raw.find(_ACTION_ID, 0, region)
        while at >= 0:
            start = raw.rfind(_SEP, 0, at)
            start = start + 4 if start >= 0 else 0
            if not raw.startswith(self._prefixes, start):
                return None
            varset = varset or raw.startswith(b"Event: VarSet\r\n", start)
            at = raw.find(_ACTION_ID, raw.find(_SEP, at, region), region)
        return varset

    def _take_banner_crlf(self) -> bool:
        buf = self._buf
        i = 0
        while buf.startswith(b"\r\n", i):
            i += 2
        if i:
            del buf[:i]
        return self._banner_line(b"\r\n")

    def _resync_crlf(self, start: int) -> bool:
        buf = self._buf
        end = buf.find(b"\n\r\n", start)
        if end < 0:
            del buf[:-2]  # keep two bytes: they may begin the blank line
            return False
        del buf[: end + 3]
        self._discarding = False
        return True

    def _check_size_crlf(self) -> None:
        buf = self._buf
        if len(buf) > self.max_message:
            # the message as it will be decoded: "\n" line ends, without the start of the
            # blank line that ends it ("\r\n" or "\r\n\r" may already be here)
            size = len(buf) - buf.count(b"\r\n") - buf.endswith(b"\r")
            size -= buf.endswith(b"\r\n") or buf.endswith(b"\r\n\r")
            if size > self.max_message:
                self._drop_incomplete(size)
                del buf[:-2]

    def _to_normalised(self) -> list[Message]:
        """A bare line feed: from now on normalise every read (what the parser did before)."""
        raw = bytes(self._buf)
        self._buf = bytearray()
        self._crlf = False
        return self._feed_normalised(raw)

    # --- normalised mode -------------------------------------------------------------

    def _feed_normalised(self, data: bytes) -> list[Message]:
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
        whole = bytes(buf)
        parts = whole.split(b"\n\n")
        self._buf = bytearray(parts.pop())
        out: list[Message] = []
        esc = b"\\" in whole
        for part in parts:
            self._part(part, out, esc)
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
        return self._banner_line(b"\n")

    def _banner_line(self, eol: bytes) -> bool:
        """The first line, ended by ``eol``: the banner is kept and consumed; a first line that
        cannot be one means a stream without a banner. False while it is incomplete."""
        buf = self._buf
        end = buf.find(eol)
        if end < 0:
            size = len(buf) - (len(eol) == 2 and buf.endswith(b"\r"))
            if size >= len(BANNER_PREFIX) and not buf.startswith(BANNER_PREFIX):
                self._need_banner = False  # a stream without a banner (a replayed capture)
                return True
            return False
        self._need_banner = False
        line = bytes(buf[:end])
        if line.startswith(BANNER_PREFIX):
            self.banner = line.decode("utf-8", "replace").strip()
            del buf[: end + len(eol)]
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
        buf = self._buf
        if len(buf) > self.max_message:
            # without the line feeds before it and the first one of its blank line
            size = len(buf.strip(b"\n"))
            if size > self.max_message:
                self._drop_incomplete(size)
                del buf[:-1]

    # --- both modes --------------------------------------------------------------------

    def _drop_incomplete(self, size: int) -> None:
        self.dropped_oversize += 1
        log.warning("AMI: dropping a message over %d bytes (incomplete, %d bytes so far); "
                    "resyncing at the next blank line", self.max_message, size)
        self._discarding = True

    def _part(self, part: bytes, out: list[Message], esc: bool = True) -> None:
        """One message's bytes (``\\n`` line ends): filter, decode, append."""
        varset = False
        if part.startswith(b"Event: ") and len(part) <= self.max_message \
                and _ACTION_ID not in part:
            if self.wanted is not None:
                end = part.find(b"\n")
                if end < 0 or part[7:end] not in self.wanted:
                    self.skipped += 1  # a header-less event carries nothing: skipped too
                    return
            varset = self.variables is not None and part.startswith(b"Event: VarSet\n")
        msg = self._message(part, varset, esc)
        if msg is not None:
            out.append(msg)

    def _message(self, part: bytes, varset: bool = False, esc: bool = True) -> Message | None:
        if part.startswith(b"\n"):
            part = part.lstrip(b"\n")
        if not part:
            return None
        if len(part) > self.max_message:
            self.dropped_oversize += 1
            log.warning("AMI: dropped a message of %d bytes (limit %d): %r…", len(part),
                        self.max_message, part[:60])
            return None
        try:
            text, how = part.decode("utf-8"), UTF8
        except UnicodeDecodeError:
            text, how = decode_message(part)  # value by value
        msg = (EscapedMessage if esc and b"\\" in part else Message)(text, len(part))
        if varset and self.variables is not None and msg.get("Variable") not in self.variables:
            self.skipped += 1
            return None
        if how == REPLACED:
            self.decode_errors += 1
            log.warning("AMI: %s message is neither UTF-8 nor GB18030, unreadable bytes "
                        "replaced: %r", msg.event or msg.response or "an unnamed", text[:80])
        elif how == GB18030:
            if not self.gb18030:
                log.info("AMI: %s message has GB18030 (GBK) text, decoded as such; counted from "
                         "now on in the parser's gb18030", msg.event or msg.response or "an unnamed")
            self.gb18030 += 1
        if msg.bad_lines:
            self._malformed(msg)
        self.messages += 1
        return msg

    def _malformed(self, msg: Message) -> None:
        self.malformed += 1
        log.warning("AMI: %d malformed line(s) in %s message, ignored: %r", len(msg.bad_lines),
                    msg.event or msg.response or "an unnamed", msg.bad_lines[0][:80])


def parse_all(data: bytes, max_message: int = DEFAULT_MAX_MESSAGE) -> list[Message]:
    """Every complete message in ``data`` (a recorded ``ami.raw``)."""
    return AmiParser(max_message).feed(data)
