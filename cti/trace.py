"""Recorded AMI traffic on disk: ``ami.jsonl`` (one message a line) or ``ami.raw`` (the bytes).

``load_trace`` reads the events of one recorded connection and checks every line on the way,
so a broken file is one clear error naming the file and line (``TraceError``), never a
traceback and never a replay that waits for the rest of a message that is not there:

- a line that is not JSON (a half-written last line), not an object, or with a field of the
  wrong type (``t`` a number, ``raw``/``raw_b64`` strings);
- ``raw`` with a lone surrogate (``"\\ud800"`` is valid JSON but no text), ``raw_b64`` that
  is not base64;
- a message that does not end with the blank line (``\\r\\n\\r\\n``): cut off, so a client
  would take the next thing sent as the rest of it;
- an ``ami.raw`` that ends inside a message.

A message that is not valid UTF-8 (a GBK caller name) is recorded as ``raw`` with U+FFFD
replacement characters plus ``raw_b64``, its exact bytes: those bytes are what is replayed.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cti.protocol import AmiParser, Message

END = b"\r\n\r\n"


class TraceError(ValueError):
    """A trace file that cannot be replayed; the message names the file and line."""


@dataclass
class TraceEvent:
    t: float
    raw: bytes  # one message, "\r\n" line ends, blank line included

    @property
    def message(self) -> Message:
        return AmiParser(expect_banner=False).feed(self.raw)[0]


def load_trace(path: str | Path) -> list[TraceEvent]:
    """The events of a recorded connection: a folder (``ami.jsonl`` or ``ami.raw``) or a file.
    Raises ``TraceError`` (file and line) for anything that cannot be replayed as recorded."""
    p = Path(path)
    if p.is_dir():
        p = p / "ami.jsonl" if (p / "ami.jsonl").exists() else p / "ami.raw"
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TraceError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if p.suffix == ".jsonl":
        return _from_jsonl(p, data)
    return _from_raw(p, data)


def _from_jsonl(p: Path, data: bytes) -> list[TraceEvent]:
    out: list[TraceEvent] = []
    for n, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        raw = _message_bytes(f"{p}:{n}", line)
        if raw is not None and raw[0].startswith(b"Event: "):
            out.append(TraceEvent(raw[1], raw[0]))
    return out


def _message_bytes(where: str, line: bytes) -> tuple[bytes, float] | None:
    """One ``ami.jsonl`` line → (the message's bytes, its time), or None for a line without
    a message (the connection closing)."""
    try:
        item: Any = json.loads(line)
    except UnicodeDecodeError as exc:
        raise TraceError(f"{where}: not UTF-8 text (byte {exc.start}); "
                         "a message's exact bytes go in \"raw_b64\"") from None
    except json.JSONDecodeError as exc:
        raise TraceError(f"{where}: not JSON ({exc.msg} at column {exc.colno}); "
                         "a half-written last line?") from None
    if not isinstance(item, dict):
        raise TraceError(f"{where}: expected a JSON object, got {type(item).__name__}")
    t = item.get("t", 0.0)
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
        raise TraceError(f"{where}: \"t\" must be a number of seconds, got {t!r:.40}")
    b64, raw = item.get("raw_b64"), item.get("raw")
    if b64 is not None:
        if not isinstance(b64, str):
            raise TraceError(f"{where}: \"raw_b64\" must be a string, got {type(b64).__name__}")
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise TraceError(f"{where}: \"raw_b64\" is not base64") from None
    elif raw is None:
        return None  # {"raw": null, "note": "connection closed"}
    elif not isinstance(raw, str):
        raise TraceError(f"{where}: \"raw\" must be a string or null, got {type(raw).__name__}")
    else:
        try:
            data = raw.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise TraceError(f"{where}: \"raw\" holds a lone surrogate "
                             f"({raw[exc.start]!r} at character {exc.start}), not text") from None
    if data.startswith(b"Event: ") and not data.endswith(END):
        raise TraceError(f"{where}: the message does not end with a blank line (\\r\\n\\r\\n): "
                         "cut off? A listener would read the next message as its rest")
    return data, float(t)


def _from_raw(p: Path, data: bytes) -> list[TraceEvent]:
    parser = AmiParser()
    msgs = parser.feed(data)
    if parser.pending:
        start = max(data.rfind(b"\r\n\r\n") + 4, data.rfind(b"\n\n") + 2, 0)
        line = data.count(b"\n", 0, start) + 1
        raise TraceError(f"{p}:{line}: the file ends inside a message (no blank line after "
                         "it): cut off?")
    # Replayed as decoded (a GBK name as UTF-8): ami.jsonl, where present, keeps every byte.
    return [TraceEvent(0.0, (m.text.replace("\n", "\r\n") + "\r\n\r\n").encode("utf-8"))
            for m in msgs if m.event]
