"""``onestop cti replay PATH`` and ``onestop cti calls [--since WHEN]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from config.settings import Settings

SUMMARY_KEYS = ("uniqueid", "caller_num", "caller_name", "service_type", "queue", "outcome",
                "agent", "wait_s")


def register(sub: Any) -> None:
    p = sub.add_parser("cti", help="the AMI listener: replay a trace, list the call log")
    cti = p.add_subparsers(dest="cti_command", metavar="ACTION", required=True)
    rep = cti.add_parser("replay", help="play a recorded AMI trace to the listener over loopback "
                                        "and print one JSON line per hotline call")
    rep.add_argument("path", help="a trace folder (ami.jsonl / ami.raw) or an ami.jsonl file")
    rep.add_argument("--speed", type=float, default=None,
                     help="replay at this multiple of the recorded pace (default: as fast as possible)")
    rep.add_argument("--drop-after", type=int, default=None, metavar="N",
                     help="drop the connection after N events; the listener reconnects")
    rep.add_argument("--resume-at", type=int, default=None, metavar="N",
                     help="after the drop, resume at event N (events in between are lost)")
    rep.set_defaults(func=replay)
    calls = cti.add_parser("calls", help="print the stored call log, one JSON line per call")
    calls.add_argument("--since", help="ISO date/time, or a span back from now: 30m, 24h, 7d")
    calls.add_argument("--limit", type=int, default=1000)
    calls.set_defaults(func=list_stored_calls)


def replay(args: argparse.Namespace, settings: Settings) -> int:
    from cti.replay import TraceError, load_trace, replay_calls

    path = Path(args.path)
    if not path.exists():
        print(f"onestop cti replay: {path} does not exist", file=sys.stderr)
        return 2
    try:
        events = load_trace(path)
    except TraceError as exc:
        print(f"onestop cti replay: {exc}", file=sys.stderr)
        return 2
    if not events:
        print(f"onestop cti replay: no AMI events in {path}", file=sys.stderr)
        return 1
    records, _ = asyncio.run(replay_calls(events, settings.ami, speed=args.speed,
                                          drop_after=args.drop_after, resume_at=args.resume_at))
    for record in records:
        print(json.dumps(record.summary(), ensure_ascii=False))
    return 0


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """``2026-11-24``, ``2026-11-24T08:00``, or ``30m``/``24h``/``7d`` back from ``now``."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    m = re.fullmatch(r"(\d+)\s*([smhd])", value.strip())
    if m:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return now - timedelta(**{unit: int(m.group(1))})
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"--since {value!r}: use an ISO date/time or 30m, 24h, 7d") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def list_stored_calls(args: argparse.Namespace, settings: Settings) -> int:
    from onestop.errors import open_store
    from ticketing.calls import list_calls

    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(f"onestop cti calls: {exc}", file=sys.stderr)
        return 2
    store = open_store(settings)
    try:
        with store.session() as s:
            rows = list_calls(s, since, limit=args.limit)
    finally:
        store.dispose()
    for row in rows:
        print(json.dumps(stored_summary(row), ensure_ascii=False))
    return 0


def stored_summary(row: dict[str, Any]) -> dict[str, Any]:
    """A call-log row in the replay's form (the store keeps "" where the replay says null)."""
    out: dict[str, Any] = {key: row.get(key) for key in SUMMARY_KEYS}
    out["queue"] = out["queue"] or None
    out["agent"] = out["agent"] or None
    extra: dict[str, Any] = {k: row[k] for k in ("talk_s", "hangup_cause", "started_at", "ended_at") if k in row}
    return {**out, **extra}
