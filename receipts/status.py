"""Printer status from DLE EOT replies (pure).

The transport sends ``DLE EOT 1``, ``DLE EOT 2`` and ``DLE EOT 4`` and reads one byte for
each. Every reply has bits 1 and 4 set and bits 0 and 7 clear (``b & 0x93 == 0x12``); a byte
that does not look like that is not a status reply and makes the status unknown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

QUERY_PRINTER, QUERY_OFFLINE, QUERY_PAPER = 1, 2, 4
QUERIES = (QUERY_PRINTER, QUERY_OFFLINE, QUERY_PAPER)
STATUS_QUERY = b"".join(b"\x10\x04" + bytes([n]) for n in QUERIES)


def is_status_byte(b: int) -> bool:
    return b & 0x93 == 0x12


@dataclass(frozen=True)
class PrinterStatus:
    """What the desk and the wallboard show for a printer."""

    state: str = "unknown"  # ready | offline | cover_open | paper_end | error | unknown
    online: bool | None = None
    cover_open: bool = False
    paper_near_end: bool = False
    paper_end: bool = False
    error: bool = False
    detail: str = ""

    @property
    def can_print(self) -> bool:
        """False only when the printer said it cannot print; unknown is given a try."""
        return self.state in ("ready", "unknown")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def unreachable(reason: str) -> PrinterStatus:
    """The status of a printer we could not talk to."""
    return PrinterStatus(state="offline", online=False, detail=reason)


def parse_status(replies: bytes) -> PrinterStatus:
    """Status from the three reply bytes (to DLE EOT 1, 2, 4, in that order)."""
    if len(replies) < 3 or not all(is_status_byte(b) for b in replies[:3]):
        return PrinterStatus(detail=f"no status reply ({replies.hex() or 'nothing'})")
    printer, offline, paper = replies[:3]
    cover_open = bool(offline & 0x04)
    paper_end = bool(paper & 0x60) or bool(offline & 0x20)
    near_end = bool(paper & 0x0C)
    error = bool(offline & 0x40)
    online = not printer & 0x08
    state = ("cover_open" if cover_open else "paper_end" if paper_end else
             "error" if error else "offline" if not online else "ready")
    return PrinterStatus(state=state, online=online, cover_open=cover_open,
                         paper_near_end=near_end, paper_end=paper_end, error=error,
                         detail="paper near end" if near_end and state == "ready" else "")


def status_replies(*, online: bool = True, cover_open: bool = False, paper_near_end: bool = False,
                   paper_end: bool = False, error: bool = False) -> dict[int, int]:
    """The reply byte a printer in this condition gives to each DLE EOT n (for emulators)."""
    offline_cause = 0x12 | (0x04 if cover_open else 0) | (0x20 if paper_end else 0) \
        | (0x40 if error else 0)
    return {
        QUERY_PRINTER: 0x12 | (0 if online and not (cover_open or paper_end or error) else 0x08),
        QUERY_OFFLINE: offline_cause,
        QUERY_PAPER: 0x12 | (0x0C if paper_near_end else 0) | (0x60 if paper_end else 0),
        3: 0x12,
    }
