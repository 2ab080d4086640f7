"""AT answers and unsolicited result codes (URCs) as data: pure, no I/O.

The gateway's other parts write commands and act on what comes back; what a line *means*
is decided here.
"""

from __future__ import annotations

import re

# URCs the gateway acts on; "+CDS:" is followed by its PDU on the next line.
URC_PREFIXES = ("+CMTI:", "+CDSI:", "+CDS:")


def first_match(pattern: str, lines: list[str]) -> re.Match[str] | None:
    for line in lines:
        m = re.match(pattern, line)
        if m:
            return m
    return None


def parse_cmgl(lines: list[str]) -> list[tuple[int, int, str]]:
    """``+CMGL: <index>,<stat>,,<length>`` each followed by its PDU line."""
    out: list[tuple[int, int, str]] = []
    head: tuple[int, int] | None = None
    for line in lines:
        m = re.match(r"\+CMGL:\s*(\d+),\s*(\d+)", line)
        if m:
            head = (int(m.group(1)), int(m.group(2)))
        elif head is not None and line != "OK":
            out.append((head[0], head[1], line.strip()))
            head = None
    return out


def split_urcs(lines: list[str]) -> tuple[list[str], list[str]]:
    """A command's answer as (its own lines, the URCs that arrived while it waited).

    The library appends a URC that arrives during a command to that command's response,
    where it would never be seen as a notification."""
    keep: list[str] = []
    urcs: list[str] = []
    cds_next = False
    for line in lines:
        if cds_next:
            urcs.append(line)
            cds_next = False
        elif line.startswith(URC_PREFIXES):
            urcs.append(line)
            cds_next = line.startswith("+CDS:")
        else:
            keep.append(line)
    return keep, urcs


def parse_cdsi(line: str) -> tuple[str, int] | None:
    """``+CDSI: "SR",3`` (27.005 §3.4.1) as (memory, index); None if malformed."""
    m = re.match(r'\+CDSI:\s*"?([A-Za-z]+)"?\s*,\s*(\d+)', line)
    return None if m is None else (m.group(1).upper(), int(m.group(2)))
