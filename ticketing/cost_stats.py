"""成本核算: what the work done in a period cost — the spare parts used (at the unit cost of
the day they were used) and the labour booked (workers' time at their rates) — per ticket,
and summed per department, month, department and month, or service type.

A ticket counts in the period it was done (``done_at``); a department is the ticket's (the
requesting ward or department), a month the center's calendar month.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.costing import CENT
from ticketing.model import Assignment, OrgUnit, Ticket, TicketPart
from ticketing.stats import Period

GROUPS = ("department", "month", "department_month", "service_type")
MAX_TICKETS = 200_000  # a period's detail beyond this is refused: ask for a shorter one


class CostQueryError(ValueError):
    pass


def hours(seconds: int) -> float:
    """Seconds as hours to one decimal, halves rounded up (75 min → 1.3)."""
    return float((Decimal(seconds) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _dec(v: Any) -> Decimal:
    return Decimal(str(v or 0)).quantize(CENT)


def ticket_costs(s: Session, period: Period, tz: ZoneInfo, limit: int = MAX_TICKETS) -> list[dict[str, Any]]:
    """Every ticket done in the period with its parts, labour and total cost."""
    done = (select(Ticket.id, Ticket.service_type, Ticket.org_code, Ticket.location_code, Ticket.done_at)
            .where(Ticket.done_at >= period.start, Ticket.done_at < period.end)
            .order_by(Ticket.done_at, Ticket.id))
    rows = s.execute(done.limit(limit + 1)).all()
    if len(rows) > limit:
        raise CostQueryError(f"more than {limit} tickets were done in the period; ask for a shorter one")
    ids = select(Ticket.id).where(Ticket.done_at >= period.start, Ticket.done_at < period.end).scalar_subquery()
    parts = {t: _dec(v) for t, v in s.execute(
        select(TicketPart.ticket_id, func.sum(TicketPart.qty * TicketPart.unit_cost))
        .where(TicketPart.ticket_id.in_(ids)).group_by(TicketPart.ticket_id))}
    labour = {t: (_dec(c), int(n or 0)) for t, c, n in s.execute(
        select(Assignment.ticket_id, func.sum(Assignment.labour_cost), func.sum(Assignment.labour_s))
        .where(Assignment.ticket_id.in_(ids), Assignment.labour_s.is_not(None))
        .group_by(Assignment.ticket_id))}
    out = []
    for tid, service_type, org, location, done_at in rows:
        assert done_at is not None  # the query asked for done tickets
        p = parts.get(tid, Decimal("0.00"))
        lc, ls = labour.get(tid, (Decimal("0.00"), 0))
        out.append({"ticket_id": tid, "service_type": service_type, "department": org or "",
                    "location": location or "", "done_at": done_at.isoformat(),
                    "month": done_at.astimezone(tz).strftime("%Y-%m"),
                    "parts_cost": p, "labour_s": ls, "labour_cost": lc, "total": p + lc})
    return out


def cost_summary(s: Session, period: Period, tz: ZoneInfo, group_by: str = "department") -> list[dict[str, Any]]:
    """Per group: tickets done, parts cost, labour hours and cost, total and cost per ticket
    (money as text with 2 decimals), largest total first; ``group_by`` one of ``GROUPS``."""
    if group_by not in GROUPS:
        raise CostQueryError(f"group_by must be one of {', '.join(GROUPS)}")
    names = dict(s.execute(select(OrgUnit.code, OrgUnit.name)).all())
    sums: dict[tuple[str, ...], dict[str, Any]] = {}
    for r in ticket_costs(s, period, tz):
        key = {"department": (r["department"],), "month": (r["month"],),
               "department_month": (r["department"], r["month"]),
               "service_type": (r["service_type"],)}[group_by]
        g = sums.setdefault(key, {"tickets": 0, "parts_cost": Decimal(0), "labour_cost": Decimal(0),
                                  "labour_s": 0})
        g["tickets"] += 1
        g["parts_cost"] += r["parts_cost"]
        g["labour_cost"] += r["labour_cost"]
        g["labour_s"] += r["labour_s"]
    out = []
    for key, g in sums.items():
        total = g["parts_cost"] + g["labour_cost"]
        row = {"group": " ".join(key), "tickets": g["tickets"], "parts_cost": f"{g['parts_cost']:.2f}",
               "labour_s": g["labour_s"], "labour_hours": hours(g["labour_s"]), "labour_cost": f"{g['labour_cost']:.2f}",
               "total": f"{total:.2f}", "per_ticket": f"{(total / g['tickets']).quantize(CENT):.2f}"}
        if group_by in ("department", "department_month"):
            row["department"], row["department_name"] = key[0], names.get(key[0], "")
        if group_by in ("month", "department_month"):
            row["month"] = key[-1]
        out.append(row)
    return sorted(out, key=lambda r: (-Decimal(r["total"]), r["group"]))


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sums of a summary's rows."""
    parts = sum((Decimal(r["parts_cost"]) for r in rows), Decimal(0))
    labour = sum((Decimal(r["labour_cost"]) for r in rows), Decimal(0))
    tickets = sum(r["tickets"] for r in rows)
    return {"tickets": tickets, "parts_cost": f"{parts:.2f}", "labour_cost": f"{labour:.2f}",
            "labour_s": sum(r["labour_s"] for r in rows), "labour_hours": hours(sum(r["labour_s"] for r in rows)),
            "total": f"{parts + labour:.2f}",
            "per_ticket": f"{((parts + labour) / tickets).quantize(CENT):.2f}" if tickets else "0.00"}

