"""Statistics: the daily rollup kept by every command, and the queries over it and the tickets.

The rollup (``daily_stat``: day × service type × department) makes year-long figures cheap; the
median and p90 of response and completion times come from the ticket rows of the period asked.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ticketing.lifecycle import OPEN
from ticketing.model import DailyStat, Location, Ticket

COUNTERS = ("created", "done", "response_sum_s", "response_n", "completion_sum_s", "completion_n",
            "response_met", "completion_met", "satisfaction_sum", "satisfaction_n")


def bump_daily(s: Session, t: Ticket, tz: ZoneInfo, **deltas: int) -> None:
    """Add ``deltas`` to the rollup row of the ticket's creation day, type and department."""
    values: dict[str, Any] = {c: deltas.get(c, 0) for c in COUNTERS}
    values.update(day=t.created_at.astimezone(tz).date(), service_type=t.service_type,
                  org_code=t.org_code or "")
    s.execute(_upsert(s.get_bind().dialect.name), values)


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    # Built once per dialect: a statement made afresh each call costs its cache key every time,
    # and this runs in every command.
    if dialect not in _UPSERTS:
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DailyStat)
        _UPSERTS[dialect] = ins.on_conflict_do_update(
            index_elements=["day", "service_type", "org_code"],
            set_={c: getattr(DailyStat, c) + getattr(ins.excluded, c) for c in COUNTERS})
    return _UPSERTS[dialect]


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @classmethod
    def days(cls, first: date, last: date, tz: ZoneInfo) -> Period:
        return cls(datetime.combine(first, time(0), tz).astimezone(UTC),
                   datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC))


GROUPS = {
    "service_type": Ticket.service_type,
    "department": Ticket.org_code,
    "location": Ticket.location_code,
    "worker": Ticket.assignee,
    "operator": Ticket.operator,
}


def summary(s: Session, period: Period, group_by: str = "service_type") -> list[dict[str, Any]]:
    """Per group: counts, response/completion median and p90 (s), time-limit hit rates,
    mean satisfaction, and (by location) repeat tickets."""
    try:
        key = GROUPS[group_by]
    except KeyError:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}") from None
    in_period = and_(Ticket.created_at >= period.start, Ticket.created_at < period.end,
                     Ticket.status != "merged")
    rows = s.execute(
        select(key, Ticket.response_s, Ticket.completion_s, Ticket.response_met,
               Ticket.completion_met, Ticket.satisfaction, Ticket.done_at.is_not(None))
        .where(in_period)
    ).all()
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row[0] or "", []).append(row)
    out = []
    for name, items in sorted(groups.items()):
        resp = [r[1] for r in items if r[1] is not None]
        comp = [r[2] for r in items if r[2] is not None]
        rmet = [r[3] for r in items if r[3] is not None]
        cmet = [r[4] for r in items if r[4] is not None]
        sat = [r[5] for r in items if r[5] is not None]
        out.append({
            "group": name, "tickets": len(items), "done": sum(1 for r in items if r[6]),
            "response_p50_s": _pct(resp, 50), "response_p90_s": _pct(resp, 90),
            "completion_p50_s": _pct(comp, 50), "completion_p90_s": _pct(comp, 90),
            "response_hit_rate": _rate(rmet), "completion_hit_rate": _rate(cmet),
            "satisfaction": round(statistics.fmean(sat), 2) if sat else None,
            "repeat_tickets": len(items) - 1 if group_by == "location" and name else None,
        })
    return out


def repeat_locations(s: Session, period: Period, minimum: int = 2, limit: int = 20) -> list[dict[str, Any]]:
    """Locations with several tickets in the period: where the same fault keeps coming back."""
    n = func.count(Ticket.id)
    stmt = (
        select(Ticket.location_code, Ticket.service_type, n, Location.building, Location.room)
        .outerjoin(Location, Location.code == Ticket.location_code)
        .where(Ticket.created_at >= period.start, Ticket.created_at < period.end,
               Ticket.location_code != "", Ticket.status != "merged")
        .group_by(Ticket.location_code, Ticket.service_type, Location.building, Location.room)
        .having(n >= minimum).order_by(n.desc()).limit(limit))
    return [{"location": r[0], "service_type": r[1], "tickets": r[2], "building": r[3] or "",
             "room": r[4] or ""} for r in s.execute(stmt)]


def wallboard(s: Session, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """What the big screen shows: today, what is open, breaches, and the year so far."""
    today = now.astimezone(tz).date()
    open_states = [st.value for st in OPEN]
    open_by_type = dict(s.execute(select(Ticket.service_type, func.count())
                                  .where(Ticket.status.in_(open_states))
                                  .group_by(Ticket.service_type)).all())
    overdue = s.scalar(select(func.count()).where(
        Ticket.status.in_(open_states),
        ((Ticket.response_due < now) & Ticket.worker_accepted_at.is_(None))
        | (Ticket.completion_due < now))) or 0
    by_day = _rollup(s, today, today)
    year = _rollup(s, date(today.year, 1, 1), today)
    return {"open_by_type": open_by_type, "open_total": sum(open_by_type.values()),
            "overdue": overdue, "today": by_day, "year": year}


def _rollup(s: Session, first: date, last: date) -> dict[str, Any]:
    sums = [func.coalesce(func.sum(getattr(DailyStat, c)), 0) for c in COUNTERS]
    rows = s.execute(select(DailyStat.service_type, *sums)
                     .where(DailyStat.day >= first, DailyStat.day <= last)
                     .group_by(DailyStat.service_type)).all()
    by_type = {r[0]: dict(zip(COUNTERS, (int(v) for v in r[1:]), strict=True)) for r in rows}
    total = {c: sum(v[c] for v in by_type.values()) for c in COUNTERS}
    return {"by_type": {k: _figures(v) for k, v in by_type.items()}, "total": _figures(total)}


def _figures(c: dict[str, int]) -> dict[str, Any]:
    return {
        "created": c["created"], "done": c["done"],
        "response_mean_s": _div(c["response_sum_s"], c["response_n"]),
        "completion_mean_s": _div(c["completion_sum_s"], c["completion_n"]),
        "response_hit_rate": _div(c["response_met"], c["response_n"], 3),
        "completion_hit_rate": _div(c["completion_met"], c["completion_n"], 3),
        "satisfaction": _div(c["satisfaction_sum"], c["satisfaction_n"], 2),
    }


def _div(a: int, b: int, digits: int = 0) -> float | None:
    return round(a / b, digits) if b else None


def _pct(values: list[int], p: int) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return round(values[lo] + (values[hi] - values[lo]) * (k - lo), 1)


def _rate(flags: list[bool]) -> float | None:
    return round(sum(1 for f in flags if f) / len(flags), 3) if flags else None
