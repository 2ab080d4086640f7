"""Statistics out of the building: CSV (UTF-8 with BOM, so Excel opens Chinese right) and
Excel workbooks (openpyxl), plus the daily trend the charts draw."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.model import DailyStat, Ticket

COLUMNS = ("group", "tickets", "done", "response_p50_s", "response_p90_s", "completion_p50_s",
           "completion_p90_s", "response_hit_rate", "completion_hit_rate", "satisfaction",
           "repeat_tickets")


def daily_trend(s: Session, first: date, last: date) -> list[dict[str, Any]]:
    """Per day: created, done, mean satisfaction (from the rollup: cheap over a year)."""
    return [{"day": d.isoformat(), "created": c, "done": n, "satisfaction": round(ss / sn, 2) if sn else None}
            for d, c, n, ss, sn in _daily_sums(s, first, last)]


def _daily_sums(s: Session, first: date, last: date) -> list[tuple[date, int, int, int, int]]:
    rows = s.execute(select(DailyStat.day, func.sum(DailyStat.created), func.sum(DailyStat.done),
                            func.sum(DailyStat.satisfaction_sum), func.sum(DailyStat.satisfaction_n))
                     .where(DailyStat.day >= first, DailyStat.day <= last)
                     .group_by(DailyStat.day).order_by(DailyStat.day)).all()
    return [(d, int(c or 0), int(n or 0), int(ss or 0), int(sn or 0)) for d, c, n, ss, sn in rows]


def trend(s: Session, first: date, last: date, tz: ZoneInfo) -> dict[str, Any]:
    """The period's trend at a grain that reads well: by the hour for one or two days (from
    the tickets), by the day up to three months, by the month beyond (from the rollup). Each
    point: ``at`` (the bucket's start, ISO date or date-time in the center's zone), created,
    done (of the tickets created in it, as the rollup counts them), mean satisfaction."""
    days = (last - first).days + 1
    if days <= 2:
        return {"grain": "hour", "points": _hourly(s, first, last, tz)}
    if days <= 92:
        known = {d["day"]: d for d in daily_trend(s, first, last)}
        every = [(first + timedelta(days=i)).isoformat() for i in range(days)]
        return {"grain": "day", "points": [{"at": day, "created": known.get(day, {}).get("created", 0),
                                            "done": known.get(day, {}).get("done", 0),
                                            "satisfaction": known.get(day, {}).get("satisfaction")}
                                           for day in every]}
    months: dict[str, list[int]] = {}
    month = first.replace(day=1)
    while month <= last:  # every month of the period, those without tickets too
        months[month.isoformat()[:7]] = [0, 0, 0, 0]
        month = (month + timedelta(days=32)).replace(day=1)
    for d, c, n, ss, sn in _daily_sums(s, first, last):
        m = months.setdefault(d.isoformat()[:7], [0, 0, 0, 0])
        for i, v in enumerate((c, n, ss, sn)):
            m[i] += v
    points = [{"at": key, "created": c, "done": n, "satisfaction": round(ss / sn, 2) if sn else None}
              for key, (c, n, ss, sn) in months.items()]
    return {"grain": "month", "points": points}


def _hourly(s: Session, first: date, last: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    start = datetime.combine(first, time(0), tz)
    hours = ((last - first).days + 1) * 24
    buckets: list[dict[str, Any]] = [{"at": (start + timedelta(hours=h)).isoformat(), "created": 0, "done": 0,
                "sat_sum": 0, "sat_n": 0} for h in range(hours)]
    rows = s.execute(select(Ticket.created_at, Ticket.done_at, Ticket.satisfaction).where(
        Ticket.created_at >= start, Ticket.created_at < start + timedelta(hours=hours),
        Ticket.status != "merged")).all()
    for created_at, done_at, satisfaction in rows:
        b = buckets[min(hours - 1, int((created_at - start).total_seconds() // 3600))]
        b["created"] += 1
        b["done"] += done_at is not None
        if satisfaction is not None:
            b["sat_sum"] += satisfaction
            b["sat_n"] += 1
    return [{"at": b["at"], "created": b["created"], "done": b["done"],
             "satisfaction": round(b["sat_sum"] / b["sat_n"], 2) if b["sat_n"] else None}
            for b in buckets]


def _safe_cell(value: Any) -> Any:
    # A text starting with = + - @ would run as a formula in Excel (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([_safe_cell(r.get(c)) if r.get(c) is not None else "" for c in COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], trend: list[dict[str, Any]], group_by: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"by {group_by}"[:31]
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append([_safe_cell(r.get(c)) for c in COLUMNS])
    daily = wb.create_sheet("daily")
    daily.append(["day", "created", "done", "satisfaction"])
    for d in trend:
        daily.append([d["day"], d["created"], d["done"], d["satisfaction"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
