"""``summary`` (one aggregate pass over a covering index, percentiles in SQL on PostgreSQL)
gives exactly what the straightforward computation over the ticket rows gives, on random data."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ticketing.calendar import BusinessCalendar
from ticketing.model import Ticket
from ticketing.stats import GROUPS, Period, summary
from ticketing.store import Store

START = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 21 Nov, midnight in Shanghai
STATUSES = ("accepted", "dispatched", "in_progress", "done", "called_back", "assessed",
            "cancelled", "merged")


def _reference(s: Session, period: Period, group_by: str) -> list[dict[str, Any]]:
    """Every ticket row of the period loaded and counted in Python, percentiles by the
    standard library (linear interpolation between closest ranks)."""
    key = {"service_type": "service_type", "department": "org_code", "location": "location_code",
           "worker": "assignee", "operator": "operator"}[group_by]
    tickets = s.scalars(select(Ticket).where(Ticket.created_at >= period.start,
                                             Ticket.created_at < period.end)).all()
    groups: dict[str, list[Ticket]] = {}
    for t in tickets:
        if t.status != "merged":
            groups.setdefault(getattr(t, key) or "", []).append(t)
    out = []
    for name in sorted(groups):
        ts = groups[name]
        resp = [t.response_s for t in ts if t.response_s is not None]
        comp = [t.completion_s for t in ts if t.completion_s is not None]
        rmet = [t.response_met for t in ts if t.response_met is not None]
        cmet = [t.completion_met for t in ts if t.completion_met is not None]
        sat = [t.satisfaction for t in ts if t.satisfaction is not None]
        out.append({
            "group": name, "tickets": len(ts), "done": sum(t.done_at is not None for t in ts),
            "response_p50_s": _median(resp), "response_p90_s": _p90(resp),
            "completion_p50_s": _median(comp), "completion_p90_s": _p90(comp),
            "response_hit_rate": round(rmet.count(True) / len(rmet), 3) if rmet else None,
            "completion_hit_rate": round(cmet.count(True) / len(cmet), 3) if cmet else None,
            "satisfaction": round(statistics.mean(sat), 2) if sat else None,
            "repeat_tickets": len(ts) - 1 if group_by == "location" and name else None,
        })
    return out


def _median(values: list[int]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def _p90(values: list[int]) -> float | None:
    if len(values) < 2:
        return float(values[0]) if values else None
    return round(statistics.quantiles(values, n=10, method="inclusive")[8], 1)


def _random_tickets(rng: random.Random, n: int) -> list[Ticket]:
    def maybe(p: float, value: Any) -> Any:
        return value if rng.random() < p else None

    out = []
    for _ in range(n):
        # Some on the exact second of a period bound; durations often tied, sometimes huge.
        created = START + timedelta(hours=rng.choice((0, 24, 48, 72)) if rng.random() < 0.1
                                    else rng.uniform(-6, 80))
        span = rng.choice((10, 600, 10**6))
        out.append(Ticket(
            service_type=rng.choice(("repair", "cleaning", "meals", "oxygen")),
            status=rng.choice(STATUSES), created_at=created,
            org_code=rng.choice(("", "D01", "D02", "D03")),
            location_code=rng.choice(("", "10305", "10306", "20101")),
            assignee=rng.choice(("", "W001", "W002", "W003")),
            operator=rng.choice(("li", "wang", "")),
            response_s=maybe(0.7, rng.randint(0, span)),
            completion_s=maybe(0.6, rng.randint(0, 3 * span)),
            done_at=maybe(0.6, created + timedelta(hours=1)),
            response_met=maybe(0.7, rng.random() < 0.8),
            completion_met=maybe(0.6, rng.random() < 0.6),
            satisfaction=maybe(0.4, rng.randint(1, 5))))
    return out


def _periods(calendar: BusinessCalendar) -> list[Period]:
    first = date(2026, 11, 21)
    return [Period.days(first, first, calendar.tz),
            Period.days(first, first + timedelta(days=2), calendar.tz),
            Period(START + timedelta(hours=5, seconds=7), START + timedelta(hours=49)),
            Period(START - timedelta(days=30), START + timedelta(days=30)),
            Period(START - timedelta(days=30), START - timedelta(days=29))]  # empty


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_equals_the_straightforward_computation(seed: int, store: Store,
                                                        calendar: BusinessCalendar) -> None:
    rng = random.Random(seed)
    with store.session() as s:
        s.add_all(_random_tickets(rng, rng.choice((40, 400))))
    with store.session() as s:
        for period in _periods(calendar):
            for group_by in GROUPS:
                assert summary(s, period, group_by) == _reference(s, period, group_by), \
                    (seed, period, group_by)
        assert summary(s, _periods(calendar)[-1]) == []


def test_lone_and_tied_durations(store: Store) -> None:
    """One value is its own median and p90; a tie interpolates to itself; NULLs are skipped."""
    base = dict(service_type="repair", status="done", created_at=START + timedelta(hours=1))
    with store.session() as s:
        s.add_all([Ticket(**base, response_s=300, completion_s=None),  # type: ignore[arg-type]
                   Ticket(**base, response_s=None, completion_s=None),  # type: ignore[arg-type]
                   Ticket(**{**base, "service_type": "meals"}, response_s=7, completion_s=7),  # type: ignore[arg-type]
                   Ticket(**{**base, "service_type": "meals"}, response_s=7, completion_s=9)])  # type: ignore[arg-type]
    with store.session() as s:
        rows = {r["group"]: r for r in summary(s, Period(START, START + timedelta(days=1)))}
    assert (rows["repair"]["response_p50_s"], rows["repair"]["response_p90_s"]) == (300.0, 300.0)
    assert rows["repair"]["completion_p50_s"] is None and rows["repair"]["tickets"] == 2
    assert (rows["meals"]["response_p50_s"], rows["meals"]["response_p90_s"]) == (7.0, 7.0)
    assert (rows["meals"]["completion_p50_s"], rows["meals"]["completion_p90_s"]) == (8.0, 8.8)


def test_summary_reads_only_the_covering_index(store: Store, calendar: BusinessCalendar) -> None:
    """On SQLite every query of ``summary`` is answered from ix_ticket_stats alone: a column
    read that the index lacks would send each ticket back to the wide table rows."""
    if store.dialect != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL's depends on its statistics")
    with store.session() as s:
        s.add_all(_random_tickets(random.Random(4), 50))
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.session() as s:
            for group_by in GROUPS:
                summary(s, _periods(calendar)[1], group_by)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    ticket_queries = [(q, p) for q, p in seen if "FROM ticket" in q]
    assert ticket_queries
    with store.engine.connect() as conn:
        for statement, params in ticket_queries:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            scans = [row[-1] for row in plan if "ticket" in row[-1]]
            assert scans and all("COVERING INDEX ix_ticket_stats" in d for d in scans), (statement, plan)
