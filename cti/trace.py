"""Recorded AMI traffic on disk: ``ami.jsonl`` (one message a line) or ``ami.raw`` (the bytes).

A message that is not valid UTF-8 (a GBK caller name) is recorded as ``raw`` with U+FFFD
replacement characters plus ``raw_b64``, its exact bytes: those bytes are what is replayed.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cti.protocol import AmiParser, Message


@dataclass
class TraceEvent:
    t: float
    raw: bytes  # one message, "\r\n" line ends, blank line included

    @property
    def message(self) -> Message:
        return AmiParser(expect_banner=False).feed(self.raw)[0]


def load_trace(path: str | Path) -> list[TraceEvent]:
    """The events of a recorded connection: a folder (``ami.jsonl`` or ``ami.raw``) or a file."""
    p = Path(path)
    if p.is_dir():
        p = p / "ami.jsonl" if (p / "ami.jsonl").exists() else p / "ami.raw"
    if p.suffix == ".jsonl":
        out: list[TraceEvent] = []
        for line in p.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            raw = base64.b64decode(item["raw_b64"]) if "raw_b64" in item else \
                (item.get("raw") or "").encode("utf-8")
            if raw.startswith(b"Event: "):
                out.append(TraceEvent(float(item.get("t", 0.0)), raw))
        return out
    msgs = AmiParser().feed(p.read_bytes())
    # Replayed as decoded (a GBK name as UTF-8): ami.jsonl, where present, keeps every byte.
    return [TraceEvent(0.0, (m.text.replace("\n", "\r\n") + "\r\n\r\n").encode("utf-8"))
            for m in msgs if m.event]
