"""The wallboard's (大屏) figures: the ticket tiles, today by the hour, and the queue and
service-level panels.

The queue panel's data contract — the ``queue`` object of ``GET /api/wallboard``, of the
page's first render and of the ``wallboard`` server-sent events (``web/static/wallboard.js``
merges whatever keys an event carries into what it shows; absent keys keep their value)::

    {
      "calls_waiting": 3,           # callers waiting in the hotline queue now
      "longest_wait_s": 42.0,       # how long the first of them has waited, seconds
      "offered_today": 130,         # hotline calls that reached the queue today (the center's day)
      "answered_today": 120,        # … answered by an operator
      "answered_in_sl_today": 110,  # … answered within sl_threshold_s of joining
      "abandoned_today": 6,         # … hung up while waiting
      "sl_threshold_s": 20,         # the service level's threshold
      "service_level": 0.873,       # answered_in_sl_today / (answered_today + abandoned_today),
                                    #   None before the day's first call
      "abandon_rate": 0.048,        # abandoned_today / (answered_today + abandoned_today), or None
      "logged_in": 4,               # the queue's members logged in (Asterisk's QueueSummary),
      "available": 2,               #   … and free to take a call; None until telephony says
      "operators": [                # the queue's members, in the center's order
        {"login": "li", "name": "李晓", "state": "in_call", "paused": false, "reason": ""}
      ]                             # state: an ``opstate:`` of web/i18n/enums.py
    }

Where the figures come from: telephony publishes live figures at the top level of
``LiveHub.publish_wallboard`` — the CTI adapter's ``calls_waiting``, ``longest_wait_s``,
the day's counts, service level and abandon rate (``cti.queuefigures``), ``logged_in``,
``available`` and ``operators`` (member name → ``{"state", "paused", "reason", "login"}``, as
``cti.tracker.CountersChanged.payload`` has them) — and the hub keeps the last of each
(``LiveHub.last_cti``, keys ``web.live.QUEUE_KEYS``). The day's counts come from the call log
(``call_record``), recomputed with the ticket figures at each wallboard refresh, unless
telephony published its own (any key above at the top level wins over the call log's). The
page merges an event's top-level queue keys and its ``queue`` object alike.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.model import CallRecord, Ticket, User

SL_THRESHOLD_S = 20


def calls_today(s: Session, now: datetime, tz: ZoneInfo, threshold_s: int = SL_THRESHOLD_S) -> dict[str, Any]:
    """Today's hotline calls from the call log: offered, answered (within the threshold) and
    abandoned, and the service level."""
    start = datetime.combine(now.astimezone(tz).date(), time(0), tz)
    answered = CallRecord.outcome == "answered"
    row = s.execute(select(
        func.count().filter(CallRecord.outcome.in_(("answered", "abandoned"))),
        func.count().filter(answered),
        func.count().filter(answered & (CallRecord.wait_s <= threshold_s)),
        func.count().filter(CallRecord.outcome == "abandoned"),
    ).where(CallRecord.started_at >= start, CallRecord.started_at < start + timedelta(days=1))).one()
    offered, ok, in_sl, abandoned = (int(v or 0) for v in row)
    return {"offered_today": offered, "answered_today": ok, "answered_in_sl_today": in_sl,
            "abandoned_today": abandoned, "sl_threshold_s": threshold_s,
            "service_level": round(in_sl / (ok + abandoned), 3) if ok + abandoned else None,
            "abandon_rate": round(abandoned / (ok + abandoned), 3) if ok + abandoned else None}


def operators(cti: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """The CTI adapter's operators (member name → state) as the panel's list, named by their
    desk log-in's display name when the member is mapped to one."""
    out = []
    for member, op in (cti.get("operators") or {}).items():
        op = op if isinstance(op, dict) else {"state": str(op)}
        login = str(op.get("login") or "")
        out.append({"login": login, "member": member, "name": names.get(login) or names.get(member) or member,
                    "state": str(op.get("state") or "unknown"), "paused": bool(op.get("paused")),
                    "reason": str(op.get("reason") or "")})
    return out


def queue_panel(s: Session, now: datetime, tz: ZoneInfo, cti: dict[str, Any],
                threshold_s: int = SL_THRESHOLD_S) -> dict[str, Any]:
    """The queue panel's figures (the contract above); ``threshold_s`` is the service level's
    (settings ``[telephony] service_level_s``)."""
    names = {u: d or u for u, d in s.execute(select(User.username, User.display_name)).all()}
    live = {k: v for k, v in cti.items() if k not in ("operators",)}
    return {"calls_waiting": 0, "longest_wait_s": 0.0, "logged_in": None, "available": None,
            **calls_today(s, now, tz, threshold_s), **live,
            "operators": operators(cti, names)}


def today_by_hour(s: Session, now: datetime, tz: ZoneInfo) -> dict[str, list[int]]:
    """Tickets taken and done in each hour of today so far (the center's hours)."""
    start = datetime.combine(now.astimezone(tz).date(), time(0), tz)
    hours = max(1, min(24, int((now - start).total_seconds() // 3600) + 1))
    created = [0] * hours
    done = [0] * hours
    rows = s.execute(select(Ticket.created_at, Ticket.done_at).where(
        Ticket.created_at >= start - timedelta(days=7), Ticket.status != "merged",
        (Ticket.created_at >= start) | (Ticket.done_at >= start))).all()
    for created_at, done_at in rows:
        for when, counts in ((created_at, created), (done_at, done)):
            if when is not None and when >= start:
                h = int((when - start).total_seconds() // 3600)
                if 0 <= h < hours:
                    counts[h] += 1
    return {"hours": list(range(hours)), "created": created, "done": done}


def wallboard_context(web: Any, user: Any) -> dict[str, Any]:
    """What the wallboard page and its ticket part render."""
    figures = web.feed.wallboard_figures()
    language = web.language(user)
    return {"w": user.redact(figures["tickets"]), "queue": user.redact(figures["queue"]),
            "hourly": figures["hourly"],
            "now": web.deps.clock.now(),
            "service_names": dict((k, st.name(language)) for k, st in web.deps.service.catalog.types.items())}

