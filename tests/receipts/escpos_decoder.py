"""An independent ESC/POS decoder for the tests: it knows nothing of receipts/ and reads the
bytes the way a printer would — commands, Chinese mode, GB18030 text, styles, QR, cuts.

Anything it does not recognise is recorded in ``errors``; any control byte that is not part
of a known command shows up as a ``CTRL xx`` command, so injected bytes cannot hide.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Run:
    text: str
    bold: bool
    width: int
    height: int


@dataclass
class DecodedLine:
    runs: list[Run] = field(default_factory=list)
    align: int = 0

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def bold(self) -> bool:
        return any(r.bold for r in self.runs if r.text.strip())

    @property
    def big(self) -> bool:
        return any(r.width == 2 and r.height == 2 for r in self.runs if r.text.strip())


@dataclass
class Decoded:
    lines: list[DecodedLine] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)
    qr_module: int = 0
    cuts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# Commands with a fixed number of parameter bytes after the two-byte prefix.
_ESC_FIXED = {b"@": 0, b"E": 1, b"a": 1, b"d": 1, b"!": 1, b"-": 1, b"M": 1, b"t": 1,
              b"R": 1, b"2": 0, b"3": 1, b"J": 1, b"G": 1, b"{": 1, b"p": 3}
_GS_FIXED = {b"!": 1, b"B": 1, b"L": 2, b"W": 2, b"H": 1, b"f": 1, b"h": 1, b"w": 1, b"b": 1}
_FS_FIXED = {b"&": 0, b".": 0, b"!": 1, b"C": 1, b"-": 1, b"W": 1}


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data, self.i = data, 0
        self.out = Decoded()
        self.bold, self.width, self.height, self.align = False, 1, 1, 0
        self.chinese = False
        self.line = DecodedLine()
        self.pending = bytearray()
        self.qr_store = b""

    def run(self) -> Decoded:
        while self.i < len(self.data):
            b = self.data[self.i]
            if b >= 0x20 and b != 0x7F:
                self._text_byte(b)
            else:
                self._control(b)
        self._flush_text()
        if self.line.runs:
            self.out.errors.append("text without a final LF")
            self.out.lines.append(self.line)
        return self.out

    # -- text ------------------------------------------------------------------------------
    def _text_byte(self, b: int) -> None:
        if b < 0x80:
            self.pending.append(b)
            self.i += 1
            return
        if not self.chinese:
            self.out.errors.append(f"byte {b:#x} at {self.i} outside Chinese mode")
            self.pending += b"?"
            self.i += 1
            return
        n = 4 if self.i + 1 < len(self.data) and 0x30 <= self.data[self.i + 1] <= 0x39 else 2
        chunk = self.data[self.i:self.i + n]
        if len(chunk) < n or any(x < 0x30 for x in chunk[1:]):
            self.out.errors.append(f"broken double-byte code at {self.i}: {chunk.hex()}")
            self.i += 1
            return
        self.pending += chunk
        self.i += n

    def _flush_text(self) -> None:
        if not self.pending:
            return
        try:
            text = bytes(self.pending).decode("gb18030")
        except UnicodeDecodeError as exc:
            self.out.errors.append(f"undecodable text {bytes(self.pending).hex()}: {exc}")
            text = bytes(self.pending).decode("gb18030", errors="replace")
        if not self.line.runs:
            self.line.align = self.align
        self.line.runs.append(Run(text, self.bold, self.width, self.height))
        self.pending.clear()

    def _newline(self) -> None:
        self._flush_text()
        if not self.line.runs:
            self.line.align = self.align
        self.out.lines.append(self.line)
        self.line = DecodedLine()

    # -- commands --------------------------------------------------------------------------
    def _control(self, b: int) -> None:
        self._flush_text()
        if b == 0x0A:
            self.out.commands.append("LF")
            self._newline()
            self.i += 1
        elif b in (0x1B, 0x1D, 0x1C, 0x10):
            self._prefixed(b)
        else:
            self.out.commands.append(f"CTRL {b:02x}")
            self.i += 1

    def _prefixed(self, b: int) -> None:
        name = {0x1B: "ESC", 0x1D: "GS", 0x1C: "FS", 0x10: "DLE"}[b]
        if self.i + 1 >= len(self.data):
            self.out.errors.append(f"{name} at the end of the data")
            self.i += 1
            return
        sub = self.data[self.i + 1:self.i + 2]
        if name == "DLE":
            self._dle(sub)
            return
        if name == "GS" and sub == b"(":
            self._gs_paren()
            return
        if name == "GS" and sub == b"V":
            self._cut()
            return
        table = {"ESC": _ESC_FIXED, "GS": _GS_FIXED, "FS": _FS_FIXED}[name]
        if sub not in table:
            self.out.errors.append(f"unknown command {name} {sub!r} at {self.i}")
            self.out.commands.append(f"{name} ?{sub.hex()}")
            self.i += 2
            return
        params = self.data[self.i + 2:self.i + 2 + table[sub]]
        self.i += 2 + table[sub]
        self.out.commands.append(f"{name} {sub.decode()}" + "".join(f" {p}" for p in params))
        self._apply(name, sub, params)

    def _apply(self, name: str, sub: bytes, params: bytes) -> None:
        if (name, sub) == ("ESC", b"@"):
            self.bold, self.width, self.height, self.align = False, 1, 1, 0
        elif (name, sub) == ("ESC", b"E"):
            self.bold = bool(params[0] & 1)
        elif (name, sub) == ("ESC", b"a"):
            self.align = params[0] % 48
        elif (name, sub) == ("ESC", b"d"):
            for _ in range(params[0]):
                self._newline()
        elif (name, sub) == ("GS", b"!"):
            self.width, self.height = (params[0] >> 4) + 1, (params[0] & 0x0F) + 1
        elif (name, sub) == ("FS", b"&"):
            self.chinese = True
        elif (name, sub) == ("FS", b"."):
            self.chinese = False

    def _dle(self, sub: bytes) -> None:
        if sub == b"\x04" and self.i + 2 < len(self.data):
            self.out.commands.append(f"DLE EOT {self.data[self.i + 2]}")
            self.i += 3
            return
        self.out.errors.append(f"unknown DLE command {sub!r}")
        self.out.commands.append(f"DLE ?{sub.hex()}")
        self.i += 2

    def _gs_paren(self) -> None:
        head = self.data[self.i + 2:self.i + 5]
        if len(head) < 3:
            self.out.errors.append("truncated GS (")
            self.i = len(self.data)
            return
        fn_letter, pl, ph = head
        length = pl + 256 * ph
        body = self.data[self.i + 5:self.i + 5 + length]
        self.i += 5 + length
        if fn_letter != ord("k") or len(body) < 2 or body[0] != 49:
            self.out.commands.append(f"GS ( {chr(fn_letter)}")
            self.out.errors.append(f"not a QR command: GS ( {chr(fn_letter)} {body[:4].hex()}")
            return
        fn = body[1]
        self.out.commands.append(f"GS ( k {fn}")
        if fn == 67:
            self.out.qr_module = body[2]
        elif fn == 80:
            self.qr_store = bytes(body[3:])
        elif fn == 81:
            self.out.qr_payloads.append(self.qr_store.decode("utf-8"))

    def _cut(self) -> None:
        m = self.data[self.i + 2] if self.i + 2 < len(self.data) else -1
        size = 4 if m in (65, 66, 97, 98) else 3
        self.out.commands.append(f"GS V {m}")
        self.out.cuts += 1
        self.i += size


def decode(data: bytes) -> Decoded:
    """Decode one job's bytes."""
    return _Decoder(data).run()
