"""The AMI parser's second way through (a part of ``AmiParser``): a connection that sent a line
feed without its carriage return is *normalised* from then on — every read has its ``\r\n``
made ``\n`` (a ``\r`` that ends one read joins the ``\n`` that starts the next) before it is
split on ``\n\n``. Asterisk itself sends ``\r\n``; captures edited by hand, proxies and
test tools do not always. The results are the same as the CRLF way's
(``tests/cti/test_parser_equivalence.py``).
"""

from __future__ import annotations

from cti.message import Message


class NormalisedFraming:
    """Framing on ``\n`` line ends (mixed into ``AmiParser``, which owns the state below)."""

    max_message: int
    _buf: bytearray
    _cr: bool
    _crlf: bool
    _need_banner: bool
    _discarding: bool

    def _part(self, part: bytes, out: list[Message], esc: bool = True) -> None:
        raise NotImplementedError  # AmiParser._part: filter, decode, append

    def _banner_line(self, eol: bytes) -> bool:
        raise NotImplementedError  # AmiParser._banner_line

    def _drop_incomplete(self, size: int) -> None:
        raise NotImplementedError  # AmiParser._drop_incomplete

    def _to_normalised(self) -> list[Message]:
        """A bare line feed: from now on normalise every read (what the parser did before)."""
        raw = bytes(self._buf)
        self._buf = bytearray()
        self._crlf = False
        return self._feed_normalised(raw)

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
