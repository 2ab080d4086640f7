"""A history of tickets written in bulk: for benches and the wallboard over a year of data.

``bulk_tickets`` generates tickets (deterministic for a seed) over the days before an end,
most of them finished, those of the last hours still open, with their daily rollup, and
writes them bypassing the commands (no timeline or audit rows): COPY on PostgreSQL, a raw
executemany on SQLite, values stored as the ORM stores them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from ticketing import search
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.model import DailyStat, Ticket, UtcDateTime
from ticketing.seed.hospital import SEED, TZ
from ticketing.stats import COUNTERS
from ticketing.store import Store
from ticketing.tx import dump_json

TYPE_WEIGHTS = (("repair", 38), ("cleaning", 24), ("transport", 16), ("meals", 8), ("oxygen", 6),
                ("complaint", 3), ("operator", 5))


def bulk_tickets(store: Store, n: int, days: int, catalog: Catalog, calendar: BusinessCalendar,
                 end: datetime | None = None, seed: int = SEED, chunk: int = 20_000) -> int:
    """Write ``n`` historical tickets created over the ``days`` before ``end`` with their
    daily rollup, bypassing the commands (no timeline or audit rows): for benches and the
    wallboard over a year of data. Most are finished; those of the last hours are open.
    Returns the number written. Needs the sample hospital (locations, staff) seeded."""
    with store.session() as s:
        ctx = TicketContext.load(s)
        first_id = int(s.scalar(select(func.max(Ticket.id))) or 0) + 1
    rollup: dict[tuple[date, str, str], list[int]] = {}
    written = 0
    for rows in generate_tickets(ctx, n, days, catalog, calendar, end or datetime.now(UTC), seed,
                                 first_id, rollup, chunk):
        write_tickets(store, rows)
        written += len(rows)
    write_rollup(store, rollup)
    with store.engine.begin() as conn:  # their search documents, as the commands would have
        search.fill(conn, first_id - 1)
    return written


def generate_tickets(ctx: TicketContext, n: int, days: int, catalog: Catalog,
                     calendar: BusinessCalendar, end: datetime, seed: int, first_id: int,
                     rollup: dict[tuple[date, str, str], list[int]],
                     chunk: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    """Ticket rows in chunks (deterministic for a seed), adding their counters to ``rollup``."""
    rng = random.Random(seed)
    done = 0
    while done < n:
        size = min(chunk, n - done)
        yield [_ticket(rng, ctx, first_id + done + i, end, days, catalog, calendar, rollup)
               for i in range(size)]
        done += size


@dataclass(frozen=True)
class TicketContext:
    locations: list[tuple[str, str]]
    workers: dict[str, list[str]]
    operators: list[str]
    phones: list[str]
    utc_offset: timedelta  # of the center's time zone, for the day-time bias only

    @classmethod
    def load(cls, s: Session) -> TicketContext:
        from ticketing.model import Location, PhoneEntry, Staff

        locs = [(c, o) for c, o in s.execute(select(Location.code, Location.org_code))]
        workers: dict[str, list[str]] = {}
        for code, skills in s.execute(select(Staff.code, Staff.skills).where(Staff.role == "worker")):
            for skill in skills.split(","):
                workers.setdefault(skill, []).append(code)
        phones = list(s.scalars(select(PhoneEntry.number)))
        if not locs or not workers:
            raise ValueError("seed the sample hospital first (no locations or workers)")
        offset = datetime.now(TZ).utcoffset() or timedelta(0)
        return cls(locs, workers, ["li", "wang", "OP03", "OP04", "OP05"], phones, offset)


TYPES = [t for t, w in TYPE_WEIGHTS for _ in range(w)]


def _ticket(rng: random.Random, ctx: TicketContext, ticket_id: int, end: datetime, days: int,
            catalog: Catalog, calendar: BusinessCalendar,
            rollup: dict[tuple[date, str, str], list[int]]) -> dict[str, Any]:
    st = rng.choice(TYPES)
    spec = catalog.get(st)
    # Day-time heavy: a night hour is moved into the day three times out of four.
    created = end - timedelta(seconds=int(rng.random() * days * 86400) + 1)
    if not 7 <= (created + ctx.utc_offset).hour < 19 and rng.random() < 0.75:
        created -= timedelta(hours=12)
    priority = "urgent" if spec.urgent_always or rng.random() < 0.1 else "normal"
    response_due, completion_due = catalog.deadlines(st, priority, created, calendar)
    loc, org = rng.choice(ctx.locations)
    skill = spec.skill or "repair"
    worker = rng.choice(ctx.workers.get(skill) or ctx.workers["repair"])
    lim = spec.limits_for(priority)
    row: dict[str, Any] = {
        "id": ticket_id, "service_type": st, "priority": priority, "source": "phone",
        "location_code": loc, "org_code": org, "reporter_name": "", "description": "历史工单",
        "reporter_phone": rng.choice(ctx.phones), "details": {}, "operator": rng.choice(ctx.operators),
        "assignee": worker, "created_at": created, "response_due": response_due,
        "completion_due": completion_due, "escalation_level": 0, "breach_notified": False,
        "reopen_count": 0, "satisfaction_comment": "", "assessment": "", "assessment_grade": "",
        "version": 1,
    }
    for key in ("dispatched_at", "worker_accepted_at", "started_at", "done_at", "called_back_at",
                "assessed_at", "closed_at", "response_s", "completion_s", "response_met",
                "completion_met", "escalated_at", "satisfaction", "merged_into"):
        row[key] = None
    counters = rollup.setdefault((created.astimezone(calendar.tz).date(), st, org), [0] * len(COUNTERS))
    counters[0] += 1
    age = (end - created).total_seconds()
    response = int(rng.lognormvariate(0, 0.5) * lim.response_min * 45)
    completion = response + int(rng.lognormvariate(0, 0.5) * (lim.completion_min - lim.response_min) * 40)
    if rng.random() < 0.03 and age > 600:
        row.update(status="cancelled", closed_at=created + timedelta(seconds=min(age, 300)))
        return row
    if response > age:
        row["status"] = "dispatched"
        row["dispatched_at"] = created + timedelta(seconds=min(age, 60))
        return row
    row.update(dispatched_at=created + timedelta(seconds=min(60, response)),
               worker_accepted_at=created + timedelta(seconds=response), response_s=response,
               response_met=created + timedelta(seconds=response) <= response_due)
    _add(counters, response_sum_s=response, response_n=1, response_met=int(row["response_met"]))
    if completion > age:
        row.update(status="in_progress", started_at=row["worker_accepted_at"])
        return row
    row.update(status="done", started_at=row["worker_accepted_at"], completion_s=completion,
               done_at=created + timedelta(seconds=completion),
               completion_met=created + timedelta(seconds=completion) <= completion_due)
    _add(counters, done=1, completion_sum_s=completion, completion_n=1,
         completion_met=int(row["completion_met"]))
    if age > completion + 86400 and rng.random() < 0.7:
        score = rng.choices((5, 4, 3, 2, 1), (55, 28, 10, 4, 3))[0]
        row.update(status="called_back", satisfaction=score,
                   called_back_at=created + timedelta(seconds=completion + 86400))
        _add(counters, satisfaction_sum=score, satisfaction_n=1)
        if rng.random() < 0.5:
            row.update(status="assessed", assessed_at=row["called_back_at"] + timedelta(hours=2),
                       assessment="合格", assessment_grade="good")
    return row


_INDEX = {c: i for i, c in enumerate(COUNTERS)}


def _add(counters: list[int], **deltas: int) -> None:
    for key, value in deltas.items():
        counters[_INDEX[key]] += value


TICKET_COLUMNS = [c.name for c in Ticket.__table__.columns]
_TIMES = {c.name for c in Ticket.__table__.columns if isinstance(c.type, UtcDateTime)}


def write_tickets(store: Store, rows: list[dict[str, Any]]) -> None:
    """Append ticket rows fast: COPY on PostgreSQL, a raw executemany on SQLite."""
    if store.dialect == "postgresql":
        _copy_tickets(store, rows)
    else:
        _sqlite_tickets(store, rows)


def _sqlite_tickets(store: Store, rows: list[dict[str, Any]]) -> None:
    # The same text SQLAlchemy stores for UtcDateTime on SQLite: naive UTC with microseconds
    # (the generated times are UTC, so cutting "+00:00" off is the conversion).
    times = [i for i, c in enumerate(TICKET_COLUMNS) if c in _TIMES]
    details = TICKET_COLUMNS.index("details")

    def values(row: dict[str, Any]) -> list[Any]:
        out = [row[c] for c in TICKET_COLUMNS]
        for i in times:
            if out[i] is not None:
                out[i] = out[i].isoformat(" ", "microseconds")[:26]
        out[details] = dump_json(out[details])
        return out

    sql = (f"INSERT INTO ticket ({', '.join(TICKET_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)})")
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(sql, [values(r) for r in rows])
        cur.execute("COMMIT")
    finally:
        raw.close()


def _copy_tickets(store: Store, rows: list[dict[str, Any]]) -> None:
    from psycopg.types.json import Jsonb

    raw = store.engine.raw_connection()
    try:
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            cols = ", ".join(TICKET_COLUMNS)
            with cur.copy(f"COPY ticket ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([Jsonb(row[c]) if c == "details" else row[c] for c in TICKET_COLUMNS])
        raw.commit()
    finally:
        raw.close()
    with store.engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                          "(SELECT max(id) FROM ticket))"))


def write_rollup(store: Store, rollup: dict[tuple[date, str, str], list[int]]) -> None:
    """Add the generated counters to ``daily_stat`` (rows may already exist)."""
    with store.session() as s:
        existing = {(d.day, d.service_type, d.org_code): d for d in s.scalars(select(DailyStat))}
        fresh = []
        for key, counters in rollup.items():
            row = existing.get(key)
            if row is None:
                fresh.append({"day": key[0], "service_type": key[1], "org_code": key[2],
                              **dict(zip(COUNTERS, counters, strict=True))})
                continue
            for name, value in zip(COUNTERS, counters, strict=True):
                setattr(row, name, getattr(row, name) + value)
        if fresh:
            s.execute(insert(DailyStat), fresh)
