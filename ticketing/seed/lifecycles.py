"""A history of tickets made through the real commands: each with its full timeline, audit,
outbox rows and rollup, at the times a settable clock is moved to (slow: for small samples,
``onestop seed --tickets N --via-service``).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ticketing.seed.history import TYPES, TicketContext
from ticketing.seed.hospital import SEED
from ticketing.service import NewTicket, TicketService


class SettableClock(Protocol):
    def now(self) -> datetime: ...

    def set(self, when: datetime) -> None: ...


def tickets_via_service(service: TicketService, clock: SettableClock, n: int, days: int,
                        seed: int = SEED, end: datetime | None = None) -> int:
    """Create ``n`` tickets over the ``days`` before ``end`` through the real commands, each
    with its full timeline, audit, outbox rows and rollup (slow: for small samples). No meal
    orders: they need dishes from their day's menu, and the sample has menus for one week."""
    rng = random.Random(seed)
    types = [t for t in TYPES if service.catalog.get(t).form != "meal"]
    end = end or datetime.now(UTC)
    with service.store.session() as s:
        ctx = TicketContext.load(s)
    starts = sorted(end - timedelta(seconds=rng.randint(60, days * 86400)) for _ in range(n))
    for created in starts:
        clock.set(created)
        _one_lifecycle(service, clock, rng, ctx, rng.choice(types), created, end)
    return n


def _one_lifecycle(service: TicketService, clock: SettableClock, rng: random.Random,
                   ctx: TicketContext, st: str, created: datetime, end: datetime) -> None:
    loc, _org = rng.choice(ctx.locations)
    t = service.accept(rng.choice(ctx.operators[:2]), NewTicket(
        service_type=st, location_code=loc, reporter_phone=rng.choice(ctx.phones),
        description="示例工单"))
    if service.catalog.get(st).form == "complaint":
        _complaint(service, clock, rng, ctx, t.id, t.operator, created, end)
        return
    skill = service.catalog.get(st).skill
    if not skill:
        if created + timedelta(minutes=30) < end:
            clock.set(created + timedelta(minutes=rng.randint(2, 30)))
            service.complete(t.operator, t.id, note="answered on the phone")
        return
    worker = rng.choice(ctx.workers.get(skill) or ctx.workers["repair"])
    service.dispatch(t.operator, t.id, [worker], print_slip=False)
    lim = service.catalog.get(st).limits_for(t.priority)
    steps = (("accept", lim.response_min), ("start", lim.response_min * 1.3),
             ("complete", lim.completion_min))
    for action, minutes in steps:
        when = max(clock.now() + timedelta(seconds=30),
                   created + timedelta(minutes=minutes * rng.lognormvariate(-0.3, 0.5)))
        if when >= end:
            return
        clock.set(when)
        if action == "accept":
            service.worker_accept(f"sms:{worker}", t.id, worker)
        elif action == "start":
            service.start(f"sms:{worker}", t.id, worker)
        else:
            service.complete(f"sms:{worker}", t.id)
    if clock.now() + timedelta(days=1) < end and rng.random() < 0.6:
        clock.set(clock.now() + timedelta(days=1))
        service.record_callback("survey", t.id, rng.choices((5, 4, 3, 2, 1), (55, 28, 10, 4, 3))[0])


def _complaint(service: TicketService, clock: SettableClock, rng: random.Random, ctx: TicketContext,
               ticket_id: int, operator: str, created: datetime, end: datetime) -> None:
    """A complaint through its own steps: investigated, its target named, concluded (one in
    three justified), answered by a call, closed."""
    steps = ((30, "investigate"), (90, "target"), (240, "conclude"), (300, "reply"), (320, "complete"))
    worker = rng.choice([w for codes in ctx.workers.values() for w in codes])
    for minutes, step in steps:
        when = created + timedelta(minutes=minutes * rng.uniform(0.5, 1.5))
        if when >= end:
            return
        clock.set(max(when, clock.now() + timedelta(seconds=30)))
        if step == "investigate":
            service.investigate("lead", ticket_id, "已联系投诉人了解情况")
        elif step == "target":
            service.complaint_target("lead", ticket_id, "worker", worker, rng.choice(("minor", "normal")))
        elif step == "conclude":
            justified = rng.random() < 1 / 3
            service.conclude("lead", ticket_id, "justified" if justified else "unjustified",
                             "经核实情况属实" if justified else "经核实与事实不符")
        elif step == "reply":
            service.reply_complainant(operator, ticket_id, "call", "已电话告知调查结果")
        else:
            service.complete(operator, ticket_id)
