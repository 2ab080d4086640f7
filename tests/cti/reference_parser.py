"""The simple AMI parser the fast one must equal: an oracle for the property tests.

This is the straightforward algorithm (normalise every read's line ends, split the whole
buffer on the blank line, look at each part), as ``cti.protocol.AmiParser`` was before it got
its CRLF fast path. It shares ``Message`` and the decoding of one message's bytes
(``cti.decoding.decode_message``, tested byte by byte in test_caller_names.py) and nothing else with the
parser under test: what is compared is the framing, the filters and the counters.
"""

from __future__ import annotations

from collections.abc import Iterable

from cti.decoding import GB18030, REPLACED, decode_message
from cti.protocol import BANNER_PREFIX, DEFAULT_MAX_MESSAGE, Message, message


class SimpleAmiParser:
    def __init__(self, max_message: int = DEFAULT_MAX_MESSAGE, expect_banner: bool = True,
                 events: Iterable[str] | None = None,
                 variables: Iterable[str] | None = None) -> None:
        self.max_message = max_message
        self.wanted = frozenset(e.encode() for e in events) if events is not None else None
        self.variables = frozenset(variables) if variables is not None else None
        self.skipped = 0
        self.banner: str | None = None
        self._need_banner = expect_banner
        self._buf = bytearray()
        self._cr = False
        self._discarding = False
        self.messages = 0
        self.dropped_oversize = 0
        self.decode_errors = 0
        self.gb18030 = 0
        self.malformed = 0

    def feed(self, data: bytes) -> list[Message]:
        if self._cr:
            data = b"\r" + data
            self._cr = False
        if data.endswith(b"\r"):
            data = data[:-1]
            self._cr = True
        data = data.replace(b"\r\n", b"\n")
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
            end = buf.find(b"\n\n", start)
            if end < 0:
                del buf[:-1]
                return []
            del buf[: end + 2]
            self._discarding = False
            start = 0
        if buf.find(b"\n\n", start) < 0:
            self._check_size()
            return []
        parts = buf.split(b"\n\n")
        self._buf = bytearray(parts.pop())
        out: list[Message] = []
        for chunk in parts:
            part = bytes(chunk)
            if part.startswith(b"Event: ") and len(part) <= self.max_message \
                    and b"\nActionID: " not in part:
                end = part.find(b"\n")
                if self.wanted is not None and (end < 0 or part[7:end] not in self.wanted):
                    self.skipped += 1  # a header-less event carries nothing: skipped too
                    continue
                varset = self.variables is not None and part.startswith(b"Event: VarSet\n")
            else:
                varset = False
            msg = self._message(part, varset)
            if msg is not None:
                out.append(msg)
        self._check_size()
        return out

    def _take_banner(self) -> bool:
        buf = self._buf
        stripped = len(buf) - len(buf.lstrip(b"\n"))
        if stripped:
            del buf[:stripped]
        end = buf.find(b"\n")
        if end < 0:
            if len(buf) >= len(BANNER_PREFIX) and not buf.startswith(BANNER_PREFIX):
                self._need_banner = False
                return True
            return False
        self._need_banner = False
        line = bytes(buf[:end])
        if line.startswith(BANNER_PREFIX):
            self.banner = line.decode("utf-8", "replace").strip()
            del buf[: end + 1]
        return True

    def _check_size(self) -> None:
        # the message's size leaves out the line feeds before it and the one that begins
        # its blank line: a message of exactly ``max_message`` bytes is kept
        if len(self._buf.strip(b"\n")) > self.max_message:
            self.dropped_oversize += 1
            del self._buf[:-1]
            self._discarding = True

    def _message(self, part: bytes, varset: bool) -> Message | None:
        part = part.lstrip(b"\n")
        if not part:
            return None
        if len(part) > self.max_message:
            self.dropped_oversize += 1
            return None
        text, how = decode_message(part)
        msg = message(text, len(part))
        if varset and self.variables is not None and msg.get("Variable") not in self.variables:
            self.skipped += 1
            return None
        self.decode_errors += how == REPLACED
        self.gb18030 += how == GB18030
        if msg.bad_lines:
            self.malformed += 1
        self.messages += 1
        return msg
