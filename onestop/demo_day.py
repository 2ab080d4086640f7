"""The demo's day so far, staged once through the core's commands before the center starts,
so that a newcomer finds the stores, the kitchen and the escorts at work:

- the stores: a repair dispatched to a worker who will report, by SMS, the parts used
  (``FieldWorkers.parts``) — which take one part down to its minimum: the storekeepers get
  the low-stock SMS and the board and /stock show the alert;
- the kitchen: today's meal orders — the departments' orders for meals already closed,
  placed before their cut-off (and those already served, delivered), so that each closed
  meal's production summary (备餐单) prints as the center starts; the wards' orders for the
  meals still open placed now, their ward heads asked by SMS, printed at the cut-off while the
  demo runs;
- escorts (陪检) booked for the coming hours from wards to radiology and ultrasound.

Past steps are taken at their own times on a clock of their own, without SMS (nothing sent
then is sent now); every step is a command with its audit rows, as the desk's would be.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from onestop.core import Core
from ticketing.fakes import FixedClock
from ticketing.kitchen import meals_of_day
from ticketing.model import Location, MenuItem, OrgUnit, SparePart, Staff
from ticketing.service import NewTicket, TicketError, TicketService

log = logging.getLogger(__name__)

EXAM_ROOMS = ("40105", "40106", "40303")  # 医技楼: 放射科 1F, 超声科 3F


@dataclass
class DemoDay:
    repair: int | None = None
    low_part: str = ""
    repair_parts: list[tuple[str, int]] = field(default_factory=list)  # what its worker will report
    meal_orders: list[int] = field(default_factory=list)
    escorts: list[int] = field(default_factory=list)

    def parts_reported(self) -> dict[int, str]:
        """What the done SMS of the staged tickets adds (``完成 N 配件 P00038x3``)."""
        if self.repair is None or not self.repair_parts:
            return {}
        return {self.repair: "配件 " + " ".join(f"{code}x{qty}" for code, qty in self.repair_parts)}


def stage_demo_day(core: Core, seed: int = 7) -> DemoDay:
    """Stage the stores', the kitchen's and the escorts' day (see the module's doc)."""
    rng = random.Random(seed)
    clock = FixedClock(core.clock.now())
    past = TicketService(core.store, clock, core.catalog, core.calendar, core.service.composer,
                         core.service.options)
    day = DemoDay()
    for step in (_kitchen, _stores, _escorts):
        try:
            step(core, past, clock, rng, day)
        except TicketError as exc:  # a sample that does not fit today (no menu…): said, skipped
            log.warning("demo day: %s skipped: %s", step.__name__.strip("_"), exc)
    return day


def _worker(core: Core, skill: str, rng: random.Random) -> str:
    with core.store.session() as s:
        codes = [c for c, skills in s.execute(select(Staff.code, Staff.skills).where(
            Staff.role == "worker", Staff.active.is_(True), Staff.on_duty.is_(True), Staff.phone != "")
            .order_by(Staff.code)) if skill in skills.split(",")]
    if not codes:
        raise TicketError(f"no {skill} worker on duty")
    return rng.choice(codes)


def _stores(core: Core, svc: TicketService, clock: FixedClock, rng: random.Random, day: DemoDay) -> None:
    """A repair out now whose worker will report the parts taking one down to its minimum."""
    with core.store.session() as s:
        part = s.scalar(select(SparePart).where(
            SparePart.active.is_(True), SparePart.min_stock > 0,
            SparePart.stock > SparePart.min_stock, SparePart.stock <= SparePart.min_stock + 3)
            .order_by(SparePart.code).limit(1))
        if part is None:
            raise TicketError("no part a little above its minimum")
        code, qty, name = part.code, part.stock - part.min_stock, f"{part.name} {part.spec}"
    t = core.service.accept("demo", NewTicket(service_type="repair", description=f"灯不亮，需更换{name}",
                                              location_code="20307", reporter_name="李护士",
                                              reporter_phone="6100", source="phone"))
    core.service.dispatch("demo", t.id, [_worker(core, "repair", rng)])
    day.repair, day.low_part, day.repair_parts = t.id, code, [(code, qty)]


def _kitchen(core: Core, svc: TicketService, clock: FixedClock, rng: random.Random, day: DemoDay) -> None:
    now = core.clock.now()
    tz = core.calendar.tz
    today = now.astimezone(tz).date()
    with core.store.session() as s:
        meals = meals_of_day(s, today, tz)
        dishes = {m: list(s.scalars(select(MenuItem.code).where(MenuItem.menu_date == today, MenuItem.meal == m,
                                                                 MenuItem.active.is_(True)))) for m in
                  {x.meal for x in meals}}
        orgs = {kind: list(s.scalars(select(OrgUnit.code).where(OrgUnit.kind == kind).order_by(OrgUnit.code)))
                for kind in ("ward", "department")}
        rooms = {o: s.scalar(select(Location.code).where(Location.org_code == o).order_by(Location.code).limit(1))
                 for o in orgs["ward"] + orgs["department"]}
    if not meals:
        raise TicketError(f"no menu for {today}")
    cook = _worker(core, "meals", rng)
    for m in meals:
        if m.cutoff is None or len(dishes[m.meal]) < 2:
            continue
        closed = m.cutoff <= now
        # closed: the departments' orders (no ward head to ask) placed before the cut-off;
        # open: the wards' orders placed now, their ward heads asked by SMS
        who = [o for o in (orgs["department"] if closed else orgs["ward"]) if rooms.get(o)]
        start = max(m.cutoff - timedelta(hours=2),
                    datetime.combine(today, time(0, 5), tz)) if closed else now
        taken: list[tuple[int, datetime]] = []
        for i, org in enumerate(rng.sample(who, k=min(4 if closed else 3, len(who)))):
            clock.set(start + timedelta(minutes=7 * i))
            items = [{"code": c, "qty": rng.randint(1, 3)} for c in rng.sample(dishes[m.meal], k=2)]
            t = (svc if closed else core.service).accept("demo", NewTicket(
                service_type="meals", location_code=rooms[org] or "", org_code=org, source="phone",
                description="订餐", details={"meal": {"items": items}}))
            day.meal_orders.append(t.id)
            taken.append((t.id, datetime.fromisoformat(t.details["meal"]["delivery_time"])))
        if closed:
            _delivered(svc, clock, rng, taken, cook, m.cutoff, now)


def _delivered(svc: TicketService, clock: FixedClock, rng: random.Random, orders: list[tuple[int, datetime]],
               cook: str, cutoff: datetime, now: datetime) -> None:
    """A closed meal's orders: those whose delivery time is well past were delivered (some a
    little late); the rest the kitchen's delivery worker took on after the cut-off, and
    reports by SMS as the demo runs. The clock only moves on."""
    for ticket_id, delivery in sorted(orders, key=lambda x: x[1]):
        done = delivery + timedelta(minutes=rng.randint(-10, 28))
        if done + timedelta(minutes=10) <= now:
            clock.set(max(done, clock.now()))
            svc.complete("kitchen", ticket_id, note="送达")
        else:
            clock.set(max(clock.now(), min(cutoff + timedelta(minutes=30), now - timedelta(minutes=1))))
            svc.dispatch("demo", ticket_id, [cook], print_slip=False)
            svc.worker_accept(f"sms:{cook}", ticket_id, cook)


def _escorts(core: Core, svc: TicketService, clock: FixedClock, rng: random.Random, day: DemoDay) -> None:
    now = core.clock.now()
    tz = core.calendar.tz
    base = now.astimezone(tz).replace(second=0, microsecond=0)
    base -= timedelta(minutes=base.minute % 5)
    plans: list[dict[str, Any]] = [
        {"patient_name": "周建国", "bed": "7床", "from": "20307", "conveyance": "wheelchair", "exam": "CT平扫"},
        {"patient_name": "吴秀英", "bed": "12床", "from": "30512", "conveyance": "bed", "oxygen": True, "exam": "增强CT"},
        {"patient_name": "郑伟", "bed": "3床", "from": "20809", "conveyance": "walking", "isolation": "contact",
         "exam": "腹部彩超"},
    ]
    for n, plan in enumerate(plans):
        appointment = base + timedelta(minutes=90 + 60 * n)
        escort = {**plan, "to": EXAM_ROOMS[n % len(EXAM_ROOMS)], "appointment": appointment.isoformat()}
        t = core.service.accept("demo", NewTicket(
            service_type="transport", location_code=plan["from"], source="phone", reporter_name="护士站",
            description=f"陪检 {plan['exam']}", details={"escort": escort}))
        day.escorts.append(t.id)
    porter = _worker(core, "transport", rng)
    core.service.dispatch("demo", day.escorts[0], [porter], print_slip=False)
