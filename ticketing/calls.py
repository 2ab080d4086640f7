"""The call log: every inbound hotline call the CTI listener finished, linkable to tickets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.model import CallRecord
from ticketing.untrusted import clean_text

OUTCOMES = ("answered", "abandoned", "ended_in_ivr")


@dataclass(frozen=True)
class CallFacts:
    uniqueid: str
    started_at: datetime
    linkedid: str = ""
    caller_num: str = ""
    caller_name: str = ""
    service_type: str = ""
    queue: str = ""
    outcome: str = ""
    agent: str = ""
    wait_s: int | None = None
    talk_s: int | None = None
    hangup_cause: str = ""
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def record_call(s: Session, facts: CallFacts) -> int:
    """Insert or update (by the inbound channel's uniqueid): replaying a call is harmless."""
    values = asdict(facts)
    # Caller ID is untrusted: stored as text, cleaned of control characters, bounded, never
    # interpreted.
    values["caller_name"] = clean_text(values["caller_name"], 200)
    values["caller_num"] = clean_text(values["caller_num"], 80)
    row = s.scalar(select(CallRecord).where(CallRecord.uniqueid == facts.uniqueid))
    if row is None:
        row = CallRecord(**values)
        s.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    recording = str((facts.extra or {}).get("recording") or "")
    if recording:  # MixMonitor's file: playable from the call's tickets (ticketing/recordings.py)
        from ticketing.recordings import link_recording

        link_recording(s, facts.uniqueid, recording, facts.started_at, facts.ended_at or facts.started_at)
    s.flush()
    return row.id


def list_calls(s: Session, since: datetime | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    stmt = select(CallRecord).order_by(CallRecord.started_at, CallRecord.id).limit(limit)
    if since is not None:
        stmt = stmt.where(CallRecord.started_at >= since)
    return [call_dict(r) for r in s.scalars(stmt)]


def call_dict(r: CallRecord) -> dict[str, Any]:
    return {"uniqueid": r.uniqueid, "caller_num": r.caller_num, "caller_name": r.caller_name,
            "service_type": r.service_type, "queue": r.queue, "outcome": r.outcome,
            "agent": r.agent, "wait_s": r.wait_s, "talk_s": r.talk_s,
            "hangup_cause": r.hangup_cause, "started_at": r.started_at.isoformat(),
            "ended_at": r.ended_at.isoformat() if r.ended_at else None}


def queue_day(s: Session, start: datetime, end: datetime, threshold_s: int) -> dict[str, Any]:
    """The hotline calls that started in [start, end) and left the queue: answered (and
    within ``threshold_s`` of waiting), abandoned, and their uniqueids (the live figures'
    seed)."""
    rows = s.execute(select(CallRecord.uniqueid, CallRecord.outcome, CallRecord.wait_s).where(
        CallRecord.started_at >= start, CallRecord.started_at < end,
        CallRecord.outcome.in_(("answered", "abandoned")))).all()
    answered = [w for _u, o, w in rows if o == "answered"]
    return {"answered": len(answered), "in_sl": sum(1 for w in answered if w is not None and w <= threshold_s),
            "abandoned": sum(1 for _u, o, _w in rows if o == "abandoned"), "uniqueids": {u for u, _o, _w in rows}}

