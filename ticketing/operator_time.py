"""Operators' queue time for the statistics: talk, wrap-up and pause per operator over a
period, from the intervals the CTI listener stored (``operator_activity``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.model_calls import OperatorActivity
from ticketing.untrusted import clean_text

KINDS = ("talk", "wrapup", "pause")


def record_activity(s: Session, items: Iterable[Any]) -> int:
    """Store intervals (``cti.activity.Activity``-shaped: member, login, kind, reason,
    started_at, ended_at, seconds); returns how many."""
    n = 0
    for a in items:
        if a.kind not in KINDS:
            continue
        s.add(OperatorActivity(member=clean_text(a.member, 80), login=a.login[:50], kind=a.kind,
                               reason=clean_text(a.reason, 40), started_at=a.started_at,
                               ended_at=a.ended_at, seconds=int(a.seconds)))
        n += 1
    return n


def operator_time(s: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per operator (member), the seconds of talk, wrap-up and pause that began in
    [start, end), the calls talked, and pause seconds per reason; busiest first."""
    rows = s.execute(select(OperatorActivity.member, func.max(OperatorActivity.login),
                            OperatorActivity.kind, OperatorActivity.reason,
                            func.count(), func.sum(OperatorActivity.seconds))
                     .where(OperatorActivity.started_at >= start, OperatorActivity.started_at < end)
                     .group_by(OperatorActivity.member, OperatorActivity.kind, OperatorActivity.reason)).all()
    out: dict[str, dict[str, Any]] = {}
    for member, login, kind, reason, n, seconds in rows:
        entry = out.setdefault(member, {"member": member, "login": "", "talk_s": 0, "wrapup_s": 0,
                                        "pause_s": 0, "calls": 0, "pauses": {}})
        entry["login"] = entry["login"] or login or ""
        entry[f"{kind}_s"] += int(seconds or 0)
        if kind == "talk":
            entry["calls"] += int(n)
        elif kind == "pause":
            entry["pauses"][reason] = entry["pauses"].get(reason, 0) + int(seconds or 0)
    return sorted(out.values(), key=lambda e: (-(e["talk_s"] + e["wrapup_s"]), e["member"]))
