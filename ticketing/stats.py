"""Statistics: the daily rollup kept by every command, and the queries over it and the tickets.

The rollup (``daily_stat``: day × service type × department) makes year-long figures cheap; the
median and p90 of response and completion times come from the tickets of the period asked, read
from one covering index (``ix_ticket_stats``) rather than the ticket rows. ``summary`` does not
use the rollup: its periods need not be whole local days and it groups by worker, operator and
location too, and it needs the tickets for the percentiles anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, func, select, type_coerce
from sqlalchemy.orm import Session

from ticketing.lifecycle import OPEN
from ticketing.model import DailyStat, Location, Ticket
from ticketing.tx import Tx

COUNTERS = ("created", "done", "response_sum_s", "response_n", "completion_sum_s", "completion_n",
            "response_met", "completion_met", "satisfaction_sum", "satisfaction_n")


def bump_daily(tx: Tx, t: Any, tz: ZoneInfo, **deltas: int) -> None:
    """Add ``deltas`` to the rollup row of the ticket's creation day, type and department."""
    day = t.created_at.astimezone(tz).date()
    tx.run(_BUMP, (day if tx.pg else day.isoformat(), t.service_type, t.org_code or "",
                   *(deltas.get(c, 0) for c in COUNTERS)))


_BUMP = (f"INSERT INTO daily_stat (day, service_type, org_code, {', '.join(COUNTERS)}) "
         f"VALUES ({', '.join('?' * (3 + len(COUNTERS)))}) "
         "ON CONFLICT (day, service_type, org_code) DO UPDATE SET "
         + ", ".join(f"{c} = daily_stat.{c} + excluded.{c}" for c in COUNTERS))


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
    mean satisfaction, and (by location) repeat tickets.

    One aggregate query, answered from the covering index ``ix_ticket_stats`` alone (no ticket
    row is read). PostgreSQL works out the percentiles itself (``percentile_cont``: the same
    interpolation as ``_pct``); SQLite has none, so it hands each group's durations back as one
    string and they are sorted here.
    """
    try:
        key = GROUPS[group_by]
    except KeyError:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}") from None
    group = func.coalesce(key, "")
    pg = s.get_bind().dialect.name == "postgresql"
    durations = (Ticket.response_s, Ticket.completion_s)
    columns: list[Any] = [
        group, func.count(), func.count(Ticket.done_at),
        func.count(Ticket.response_met), func.count().filter(Ticket.response_met.is_(True)),
        func.count(Ticket.completion_met), func.count().filter(Ticket.completion_met.is_(True)),
        func.sum(Ticket.satisfaction), func.count(Ticket.satisfaction)]
    if pg:
        columns += [type_coerce(func.percentile_cont(f).within_group(c), Float)
                    for c in durations for f in (0.5, 0.9)]
    else:
        columns += [func.group_concat(c) for c in durations]  # NULLs are left out
    rows = s.execute(select(*columns).where(
        Ticket.created_at >= period.start, Ticket.created_at < period.end,
        Ticket.status != "merged").group_by(group)).all()
    out = []
    for row in sorted(rows, key=lambda r: r[0]):
        name, tickets, done, r_n, r_met, c_n, c_met, sat_sum, sat_n = row[:9]
        if pg:
            pcts = [None if v is None else round(v, 1) for v in row[9:]]
        else:
            resp, comp = _ints(row[9]), _ints(row[10])
            pcts = [_pct_sorted(resp, 50), _pct_sorted(resp, 90),
                    _pct_sorted(comp, 50), _pct_sorted(comp, 90)]
        out.append({
            "group": name, "tickets": tickets, "done": done,
            "response_p50_s": pcts[0], "response_p90_s": pcts[1],
            "completion_p50_s": pcts[2], "completion_p90_s": pcts[3],
            "response_hit_rate": _div(r_met, r_n, 3), "completion_hit_rate": _div(c_met, c_n, 3),
            # the mean of integers (statistics.fmean) is their exact sum divided once: this float
            "satisfaction": _div(int(sat_sum), sat_n, 2) if sat_n else None,
            "repeat_tickets": tickets - 1 if group_by == "location" and name else None,
        })
    return out


def _ints(joined: str | None) -> list[int]:
    """SQLite's ``group_concat`` of integers, sorted."""
    return sorted(map(int, joined.split(","))) if joined else []


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


def totals(s: Session, first: date, last: date) -> dict[str, Any]:
    """The days' figures for all services together, from the rollup: created, done, mean
    response and completion (s), time-limit hit rates, satisfaction."""
    return dict(_rollup(s, first, last)["total"])


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
    return _pct_sorted(sorted(values), p)


def _pct_sorted(values: list[int], p: int) -> float | None:
    """The p-th percentile by linear interpolation between the closest ranks (numpy's default,
    PostgreSQL's ``percentile_cont``), rounded to 0.1 s."""
    if not values:
        return None
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return round(values[lo] + (values[hi] - values[lo]) * (k - lo), 1)

