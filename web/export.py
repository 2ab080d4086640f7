"""Statistics out of the building: CSV (UTF-8 with BOM, so Excel opens Chinese right) and
Excel workbooks (openpyxl), plus the daily trend the charts draw."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.model import DailyStat

COLUMNS = ("group", "tickets", "done", "response_p50_s", "response_p90_s", "completion_p50_s",
           "completion_p90_s", "response_hit_rate", "completion_hit_rate", "satisfaction",
           "repeat_tickets")


def daily_trend(s: Session, first: date, last: date) -> list[dict[str, Any]]:
    """Per day: created, done, mean satisfaction (from the rollup: cheap over a year)."""
    rows = s.execute(select(DailyStat.day, func.sum(DailyStat.created), func.sum(DailyStat.done),
                            func.sum(DailyStat.satisfaction_sum), func.sum(DailyStat.satisfaction_n))
                     .where(DailyStat.day >= first, DailyStat.day <= last)
                     .group_by(DailyStat.day).order_by(DailyStat.day)).all()
    return [{"day": d.isoformat(), "created": int(c or 0), "done": int(n or 0),
             "satisfaction": round(ss / sn, 2) if sn else None} for d, c, n, ss, sn in rows]


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
