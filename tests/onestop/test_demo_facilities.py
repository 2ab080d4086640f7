"""The demo seeds the equipment register and the maintenance plans, and its center runs them:
each plan's first due date (the day it was seeded) gets its ticket, the oxygen round goes to the
oxygen team by SMS with its checklist on the run, and seeding again changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from config.settings import load_settings
from onestop.demo import ensure_seeded, running_demo
from ticketing.model import AuditLog, SmsOut, Ticket
from ticketing.model_facilities import Equipment, MaintenancePlan, MaintenanceRun
from ticketing.seed.facilities import OXYGEN_CHECKS
from ticketing.seed.hospital import BUILDINGS, WARD_FLOORS

# the sample's own description: a lift per building, an air conditioner at each nurse station
# of the two ward buildings, the oxygen manifold, two switchboards, the generator, two pumps
EQUIPMENT = len(BUILDINGS) + 2 * len(WARD_FLOORS) + 6
PLANS = 5 + len(BUILDINGS)  # oxygen, switch room, pumps, generator, air filters; a lift each


def test_the_demo_seeds_equipment_and_plans_and_makes_their_first_tickets(tmp_path: Path,
                                                                           db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> tuple[int, str]:
        async with running_demo(settings, tmp_path, ("maintenance",)) as demo:
            today = demo.core.clock.now().astimezone(demo.core.calendar.tz).date()
            async with asyncio.timeout(30):
                while True:
                    with demo.core.store.session() as s:
                        first = s.scalar(select(func.count()).select_from(MaintenanceRun).where(
                            MaintenanceRun.due_date == today))
                    if first == PLANS:
                        break
                    await asyncio.sleep(0.1)
            with demo.core.store.session() as s:
                audit_rows = s.scalar(select(func.count()).select_from(AuditLog))
            ensure_seeded(demo.core)  # a second start: nothing new
            with demo.core.store.session() as s:
                again = s.scalar(select(func.count()).select_from(AuditLog))
            assert again == audit_rows
            return PLANS, today.isoformat()

    plans, today = asyncio.run(run())
    from ticketing.store import Store

    store = Store(db_url)
    try:
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Equipment)) == EQUIPMENT
            assert s.scalar(select(func.count()).select_from(MaintenancePlan)) == plans
            runs = s.execute(select(MaintenancePlan.code, MaintenanceRun.due_date, MaintenanceRun.ticket_id,
                                    MaintenanceRun.checklist)
                             .join(MaintenancePlan, MaintenancePlan.id == MaintenanceRun.plan_id)).all()
            assert len({(code, due) for code, due, _t, _c in runs}) == len(runs)  # one per due date
            assert {code for code, due, _t, _c in runs if due.isoformat() == today} == set(
                s.scalars(select(MaintenancePlan.code)))
            oxygen = [r for r in runs if r[0] == "PM-O2-DAILY" and r[1].isoformat() == today][0]
            assert oxygen[3] == list(OXYGEN_CHECKS)
            ticket = s.get(Ticket, oxygen[2])
            assert ticket is not None and ticket.service_type == "maintenance" and ticket.source == "plan"
            order = s.scalar(select(SmsOut).where(SmsOut.ticket_id == ticket.id, SmsOut.kind == "work_order"))
            assert ticket.status == "dispatched"  # the plan names the oxygen team's T06-01, on duty
            assert order is not None and order.staff_code == "T06-01"
    finally:
        store.dispose()
