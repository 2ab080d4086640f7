"""The kitchen's day: a meal order is due at its delivery time (plus the on-time target), the
production summary prints once per meal and day at the cut-off, whoever sweeps."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.kitchen import day_summaries
from ticketing.model import AuditLog, KitchenRun, MenuItem, OrgUnit, PrintJob, Staff
from ticketing.service import NewTicket, ServiceOptions, TicketError, TicketService
from ticketing.store import Store

from .factories import small_hospital

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)  # the FixedClock's Monday


def local(h: int, m: int = 0) -> datetime:
    return datetime(2026, 11, 23, h, m, tzinfo=TZ).astimezone(UTC)


@pytest.fixture(autouse=True)
def _menus(store: Store) -> None:
    small_hospital(store)
    with store.session() as s:
        s.add(OrgUnit(code="D03", name="骨科", kind="department"))
        s.add_all([
            MenuItem(code="L1", name="红烧鱼", menu_date=DAY, meal="lunch", diet="regular", price=Decimal("15.00"),
                     cutoff="10:00"),
            MenuItem(code="L2", name="清蒸鸡胸", menu_date=DAY, meal="lunch", diet="diabetic",
                     price=Decimal("18.00"), cutoff="10:00"),
            MenuItem(code="D1", name="蒸蛋", menu_date=DAY, meal="dinner", diet="soft", price=Decimal("6.00"),
                     cutoff="15:30"),
            Staff(code="H001", name="钱护士长", role="ward_head", org_code="D01", phone="13800000040"),
        ])


def order(service: TicketService, items: list[tuple[str, int]], delivery: str = "", org: str = "",
          location: str = "10305", approve: bool = True) -> int:
    t = service.accept("li", NewTicket(service_type="meals", location_code=location, org_code=org,
                                       details={"meal": {"items": [{"code": c, "qty": q} for c, q in items],
                                                         "delivery_time": delivery}}))
    if approve and t.details.get("approval"):
        service.approve("li", t.id, by="钱护士长")
    return t.id


def test_a_meal_order_is_due_at_its_delivery_time_and_not_escalated_before(
        service: TicketService, clock: FixedClock) -> None:
    clock.set(local(11, 14))
    tid = order(service, [("D1", 2)], "17:30")
    t = service.get(tid)
    # delivered by 17:30 plus the catalog's 20 minutes on time; accepted within the first 30
    # minutes of the last 120 before that
    assert t.completion_due == local(17, 50) and t.response_due == local(16, 20)
    service.dispatch("li", tid, ["W001"], print_slip=False)
    clock.set(local(13, 14))
    assert service.sweep_overdue() == []  # the old rule's false escalation: due 13:14
    clock.set(local(16, 21))
    assert service.sweep_overdue() == [tid]  # nobody accepted in time
    clock.set(local(17, 51))
    assert service.sweep_overdue() == [tid]  # not delivered on time
    assert service.get(tid).escalation_level >= 2


def test_a_new_delivery_time_moves_the_due_time_and_a_reopen_after_it_uses_the_limits(
        service: TicketService, clock: FixedClock) -> None:
    clock.set(local(9, 0))
    tid = order(service, [("L1", 1)], "11:30", org="D03", location="")
    assert service.get(tid).completion_due == local(11, 50)
    service.edit("li", tid, details={"meal": {"items": [{"code": "L1", "qty": 1}], "delivery_time": "12:15"}})
    assert service.get(tid).completion_due == local(12, 35)
    service.complete("li", tid)
    clock.set(local(13, 0))
    reopened = service.reopen("li", tid, "送错了")
    assert reopened.completion_due == local(15, 0)  # meals' 120-minute limit from now


def test_the_summary_counts_dishes_by_diet_and_ward_and_keeps_pending_orders_apart(
        service: TicketService, store: Store, clock: FixedClock, catalog: Catalog) -> None:
    clock.set(local(8, 0))
    a = order(service, [("L1", 2), ("L2", 1)], "11:30")  # D01 (ward, approved)
    order(service, [("L2", 3)], "12:00", org="D03", location="")  # D03 (no approval)
    order(service, [("L1", 4)], "11:30", approve=False)  # D01, still pending
    cancelled = order(service, [("L1", 9)], "11:30", org="D03", location="")
    service.cancel("li", cancelled, "重复")
    order(service, [("D1", 1)], "17:30", org="D03", location="")  # dinner
    with store.session() as s:
        (lunch, dinner) = day_summaries(s, catalog, DAY, TZ)
    got = lunch["summary"]
    assert (lunch["meal"], lunch["cutoff_at"]) == ("lunch", local(10, 0).isoformat())
    assert (got["orders"], got["portions"], got["amount"]) == (2, 6, f"{2 * 15 + 18 + 3 * 18}.00")
    assert [(d["code"], d["diet"], d["qty"], d["amount"]) for d in got["dishes"]] == [
        ("L2", "diabetic", 4, "72.00"), ("L1", "regular", 2, "30.00")]
    assert got["diets"] == [{"diet": "diabetic", "qty": 4}, {"diet": "regular", "qty": 2}]
    assert [(w["name"], w["orders"], w["portions"], w["delivery"], [(i["name"], i["qty"]) for i in w["items"]])
            for w in got["wards"]] == [("心内科", 1, 3, ["11:30"], [("红烧鱼", 2), ("清蒸鸡胸", 1)]),
                                       ("骨科", 1, 3, ["12:00"], [("清蒸鸡胸", 3)])]
    assert got["pending"]["orders"] == 1 and got["pending"]["portions"] == 4
    assert dinner["summary"]["portions"] == 1 and a not in got["pending"]["tickets"]


def test_the_summary_prints_once_at_the_cut_off(service: TicketService, store: Store, clock: FixedClock) -> None:
    clock.set(local(9, 0))
    order(service, [("L1", 2)], "11:30", org="D03", location="")
    assert service.print_kitchen_summaries() == []  # before 10:00
    clock.set(local(10, 0, ))
    assert service.print_kitchen_summaries() == [(DAY, "lunch")]
    clock.set(local(10, 1))
    assert service.print_kitchen_summaries() == []
    with store.session() as s:
        job = s.scalar(select(PrintJob).where(PrintJob.kind == "prep"))
        assert (job.ticket_id, job.printer, job.snapshot["portions"], job.snapshot["meal"]) == (None, "desk", 2, "lunch")
        run = s.scalar(select(KitchenRun))
        assert run.print_job_id == job.id and run.summary["portions"] == 2
        audited = s.scalars(select(AuditLog.action).where(AuditLog.entity == "kitchen_run")).all()
        assert audited == ["prep_summary"]
    clock.set(local(15, 31))
    assert service.print_kitchen_summaries() == [(DAY, "dinner")]  # the dinner's, even with no order
    job_id = service.reprint_kitchen_summary("li", DAY, "lunch")
    with store.session() as s:
        jobs = s.scalars(select(PrintJob).where(PrintJob.kind == "prep").order_by(PrintJob.id)).all()
        assert [j.snapshot["meal"] for j in jobs] == ["lunch", "dinner", "lunch"] and jobs[-1].id == job_id
        assert jobs[-1].snapshot == jobs[0].snapshot
    with pytest.raises(TicketError, match="no production summary for breakfast"):
        service.reprint_kitchen_summary("li", DAY, "breakfast")


def test_several_processes_and_restarts_print_it_once(service: TicketService, store: Store, clock: FixedClock,
                                                      db_url: str, catalog: Catalog,
                                                      calendar: BusinessCalendar) -> None:
    clock.set(local(10, 5))
    barrier = threading.Barrier(4)
    printed: list[list[tuple[date, str]]] = []

    def sweep() -> None:
        own = Store(db_url)  # its own connections, as another serve process has
        try:
            other = TicketService(own, clock, catalog, calendar, PlainComposer(),
                                  ServiceOptions(kitchen_printer="kitchen"))
            barrier.wait(timeout=10)
            printed.append(other.print_kitchen_summaries())
        finally:
            own.dispose()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(map(len, printed)) == [0, 0, 0, 1]
    assert service.print_kitchen_summaries() == []  # a restart finds it printed
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(PrintJob).where(PrintJob.kind == "prep")) == 1
        assert s.scalar(select(PrintJob.printer).where(PrintJob.kind == "prep")) == "kitchen"


def test_meal_statistics_count_dishes_and_amounts_by_ward_dish_diet_meal_and_day(
        service: TicketService, store: Store, clock: FixedClock, catalog: Catalog) -> None:
    from ticketing.meal_stats import MealQueryError, meal_summary, meal_totals, order_lines

    clock.set(local(8, 0))
    a = order(service, [("L1", 2), ("L2", 1)], "11:30")  # D01
    b = order(service, [("L2", 3)], "12:00", org="D03", location="")
    order(service, [("L1", 4)], "11:30", approve=False)  # pending: not counted
    c = order(service, [("D1", 1)], "17:30", org="D03", location="")
    clock.set(local(11, 40))
    service.complete("li", a)  # within 11:30 + 20
    clock.set(local(12, 30))
    service.complete("li", b)  # after 12:00 + 20
    with store.session() as s:
        lines = order_lines(s, catalog, DAY, DAY, TZ)
        with pytest.raises(MealQueryError, match="1..366 days"):
            order_lines(s, catalog, DAY, date(2027, 11, 30), TZ)
    assert sorted((ln["ticket_id"], ln["code"], ln["qty"]) for ln in lines) == [
        (a, "L1", 2), (a, "L2", 1), (b, "L2", 3), (c, "D1", 1)]
    by = {g: {r["label"]: (r["orders"], r["portions"], r["amount"]) for r in meal_summary(lines, g)}
          for g in ("ward", "dish", "diet", "meal", "day")}
    assert by["ward"] == {"心内科": (1, 3, "48.00"), "骨科": (2, 4, "60.00")}
    assert by["dish"] == {"清蒸鸡胸": (2, 4, "72.00"), "红烧鱼": (1, 2, "30.00"), "蒸蛋": (1, 1, "6.00")}
    assert by["diet"] == {"diabetic": (2, 4, "72.00"), "regular": (1, 2, "30.00"), "soft": (1, 1, "6.00")}
    assert [r["group"] for r in meal_summary(lines, "meal")] == ["lunch", "dinner"]
    assert by["day"] == {"2026-11-23": (3, 7, "108.00")}
    lunch = meal_summary(lines, "meal")[0]
    assert (lunch["done"], lunch["on_time_rate"]) == (2, 0.5)
    assert meal_totals(lines) == {"orders": 3, "portions": 7, "amount": "108.00", "done": 2, "on_time_rate": 0.5}
    with pytest.raises(MealQueryError, match="group_by"):
        meal_summary(lines, "worker")
