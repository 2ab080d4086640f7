"""Meal orders (dishes, cut-off, delivery, the ward head's approval) and cleaning tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from ticketing.audit import history
from ticketing.fakes import FixedClock
from ticketing.model import MenuItem, PrintJob, SmsIn, SmsOut, Staff
from ticketing.service import NewTicket, TicketError, TicketService, WorkerReply
from ticketing.store import Store

from .factories import small_hospital

DAY = date(2026, 11, 23)  # the FixedClock's day: Monday 09:00 in Shanghai
HEAD = "13900000099"  # D01's head nurse


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)
    with store.session() as s:
        s.add_all([
            MenuItem(code="L1", name="宫保鸡丁饭", name_en="Kung pao chicken rice", menu_date=DAY,
                     meal="lunch", diet="regular", price=Decimal("18.00"), cutoff="10:00"),
            MenuItem(code="L2", name="糖尿病餐", menu_date=DAY, meal="lunch", diet="diabetic",
                     price=Decimal("15.50"), cutoff="10:00"),
            MenuItem(code="B1", name="小米粥", menu_date=DAY, meal="breakfast", price=Decimal("3.00"),
                     cutoff="06:30"),
            MenuItem(code="D1", name="清蒸鲈鱼", menu_date=DAY, meal="dinner", price=Decimal("26.00"),
                     cutoff="15:30"),
            MenuItem(code="OLD", name="停售", menu_date=DAY, meal="lunch", price=Decimal("1.00"),
                     cutoff="10:00", active=False),
            Staff(code="H-D01", name="钱护士长", role="ward_head", org_code="D01", phone=HEAD),
            Staff(code="H-D02", name="孙护士长", role="ward_head", org_code="D02", phone="13900000098"),
            Staff(code="K001", name="刘师傅", role="worker", team="T09", skills="meals",
                  phone="13800000009"),
        ])


def lunch(*items: tuple[str, int], **meal: object) -> NewTicket:
    return NewTicket("meals", "午餐", location_code="10305", reporter_phone="6123",
                     details={"meal": {"items": [{"code": c, "qty": q} for c, q in items], **meal}})


def sms(service: TicketService, number: str, text: str, reply: WorkerReply,
        at: datetime = datetime(2026, 11, 23, 1, 5, tzinfo=UTC)) -> str:
    return service.handle_inbound_sms("m1", number, text, reply, at).outcome


def sent(store: Store, kind: str) -> list[SmsOut]:
    with store.session() as s:
        return list(s.scalars(select(SmsOut).where(SmsOut.kind == kind).order_by(SmsOut.id)))


def test_a_meal_order_is_priced_from_the_menu_and_waits_for_the_ward_head(
        service: TicketService, store: Store) -> None:
    t = service.accept("li", lunch(("L1", 2), ("L2", 1), ("L1", 1)))
    meal = t.details["meal"]
    assert [(i["code"], i["name"], i["qty"], i["price"]) for i in meal["items"]] == [
        ("L1", "宫保鸡丁饭", 3, "18.00"), ("L2", "糖尿病餐", 1, "15.50")]
    assert meal["total"] == "69.50" and meal["meal"] == "lunch" and meal["menu_date"] == "2026-11-23"
    assert datetime.fromisoformat(meal["delivery_time"]) == datetime(2026, 11, 23, 3, 30, tzinfo=UTC)
    assert t.details["approval"]["state"] == "pending"
    [ask] = sent(store, "approval")
    assert (ask.number, ask.ticket_id, ask.staff_code) == (HEAD, t.id, "H-D01")
    with pytest.raises(TicketError, match="approval"):
        service.dispatch("li", t.id, ["K001"])


def test_the_ward_head_approves_by_sms_and_the_kitchen_gets_the_order(
        service: TicketService, store: Store) -> None:
    t = service.accept("li", lunch(("L1", 2)))
    assert sms(service, HEAD, f"同意 {t.id}", WorkerReply("approve", t.id)) == "acted"
    view = service.get(t.id)
    assert view.details["approval"]["state"] == "approved" and view.details["approval"]["by"] == "钱护士长"
    assert [c.text for c in sent(store, "confirm")] == [f"confirm|ticket_id={t.id}|action=approve"]
    service.dispatch("li", t.id, ["K001"])
    with store.session() as s:
        job = s.scalar(select(PrintJob).where(PrintJob.ticket_id == t.id))
        assert job.kind == "kitchen"
        assert job.snapshot["details"]["meal"]["items"][0]["name"] == "宫保鸡丁饭"
    # the work order carries the dishes and the delivery time
    data = next(d for tpl, _l, d in service.composer.rendered if tpl == "work_order")  # type: ignore[attr-defined]
    assert data["dishes"] == "宫保鸡丁饭×2" and data["delivery_local"] == "11-23 11:30"
    actions = [a.action for a in history_of(store, t.id)]
    assert "approve" in actions


def history_of(store: Store, ticket_id: int) -> list:  # type: ignore[type-arg]
    with store.session() as s:
        return list(history(s, "ticket", ticket_id))


def test_a_rejection_cancels_the_order_with_the_reason(service: TicketService, store: Store) -> None:
    t = service.accept("li", lunch(("L1", 1)))
    assert sms(service, HEAD, f"不同意 {t.id} 已出院", WorkerReply("reject", t.id, reason="已出院")) == "acted"
    view = service.get(t.id)
    assert view.status == "cancelled" and view.details["approval"]["state"] == "rejected"
    assert view.details["approval"]["note"] == "已出院"
    with pytest.raises(TicketError):
        service.approve("li", t.id, by="钱护士长")


@pytest.mark.parametrize("number", ["13900000098", "13800000001"])  # another ward's head; a worker
def test_only_the_wards_own_head_may_decide(service: TicketService, store: Store, number: str) -> None:
    t = service.accept("li", lunch(("L1", 1)))
    assert sms(service, number, f"同意 {t.id}", WorkerReply("approve", t.id)) == "rejected"
    assert service.get(t.id).details["approval"]["state"] == "pending"
    with store.session() as s:
        assert "not the ward head" in s.scalar(select(SmsIn.reason))
    assert [m.number for m in sent(store, "explain")] == [number]


def test_the_desk_records_an_approval_given_by_phone(service: TicketService, store: Store) -> None:
    t = service.accept("li", lunch(("L1", 1)))
    service.approve("li", t.id, by="钱护士长", note="电话同意")
    a = service.get(t.id).details["approval"]
    assert (a["state"], a["by"], a["note"]) == ("approved", "钱护士长", "电话同意")
    audit = [r for r in history_of(store, t.id) if r.action == "approve"]
    assert audit and audit[0].actor == "li" and audit[0].before["approval"]["state"] == "pending"
    with pytest.raises(TicketError, match="already approved"):
        service.approve("li", t.id)


@pytest.mark.parametrize(("order", "why"), [
    (lunch(("NOPE", 1)), "not on any current menu"),
    (lunch(("OLD", 1)), "not on any current menu"),
    (lunch(("L1", 1), ("D1", 1)), "one meal on one day"),
    (lunch(("L1", 0)), "quantity"),
    (lunch(("L1", 51)), "quantity"),
    (lunch(("L1", True)), "quantity"),  # type: ignore[arg-type]
    (lunch(("B1", 1)), "closed at 06:30"),  # breakfast's cut-off has passed at 09:00
    (lunch(("L1", 1), delivery_time="08:00"), "has passed"),
    (lunch(("L1", 1), delivery_time="2026-11-24T12:00:00+08:00"), "menu's day"),
    (lunch(("L1", 1), delivery_time="noon"), "not HH:MM"),
    (NewTicket("meals", details={"meal": {"items": []}}), "at least one dish"),
    (NewTicket("meals", details={"meal": "two rice"}), "a meal order needs"),
    (NewTicket("meals", details={"cleaning": {"area": "x"}}), "no cleaning fields"),
    (NewTicket("repair", details={"meal": {}}), "takes no meal"),
    (NewTicket("repair", details={"colour": "red"}), "unknown detail field"),
    (NewTicket("cleaning", details={"cleaning": {"kind": "sparkle"}}), "kind of cleaning"),
    (NewTicket("cleaning", details={"cleaning": {"kind": "terminal_disinfection"}}), "needs the area"),
])
def test_bad_orders_are_refused_with_a_reason(service: TicketService, order: NewTicket, why: str) -> None:
    with pytest.raises(TicketError, match=why):
        service.accept("li", order)


def test_after_cut_off_the_order_is_refused(service: TicketService, clock: FixedClock) -> None:
    clock.advance(minutes=61)  # 10:01 in Shanghai
    with pytest.raises(TicketError, match="closed at 10:00"):
        service.accept("li", lunch(("L1", 1)))
    assert service.accept("li", lunch(("D1", 1))).details["meal"]["meal"] == "dinner"


def test_a_call_first_then_the_dishes(service: TicketService, store: Store) -> None:
    """The operator takes the call, then keys the dishes in: only then does approval start."""
    t = service.accept("li", NewTicket("meals", "加一份糖尿病餐", location_code="10305"))
    assert "approval" not in t.details and not sent(store, "approval")
    with pytest.raises(TicketError, match="add the dishes"):
        service.dispatch("li", t.id, ["K001"])
    edited = service.edit("li", t.id, details={"meal": {"items": [{"code": "L2", "qty": 1}]}})
    assert edited.details["approval"]["state"] == "pending" and len(sent(store, "approval")) == 1
    service.approve("li", t.id, by="钱护士长")
    # the same dishes sent back by the desk keep the decision; other dishes ask again
    kept = service.edit("li", t.id, details=dict(service.get(t.id).details))
    assert kept.details["approval"]["state"] == "approved" and len(sent(store, "approval")) == 1
    changed = service.edit("li", t.id, details={"meal": {"items": [{"code": "L2", "qty": 2}]}})
    assert changed.details["approval"]["state"] == "pending" and len(sent(store, "approval")) == 2
    service.approve("li", t.id)
    service.dispatch("li", t.id, ["K001"])
    with pytest.raises(TicketError, match="the kitchen has the order"):
        service.edit("li", t.id, details={"meal": {"items": [{"code": "L1", "qty": 9}]}})


def test_no_ward_head_on_file_means_the_desk_approves(service: TicketService, store: Store) -> None:
    with store.session() as s:
        s.scalar(select(Staff).where(Staff.code == "H-D01")).active = False
    t = service.accept("li", lunch(("L1", 1)))
    assert not sent(store, "approval")
    assert service.get(t.id).timeline[-1].note.startswith("no ward head on file")
    service.approve("lead", t.id, by="钱护士长")
    assert service.dispatch("li", t.id, ["K001"]).status == "dispatched"


def test_orders_outside_the_wards_need_no_approval(service: TicketService, store: Store) -> None:
    t = service.accept("li", NewTicket("meals", "班组加餐", org_code="T01",
                                       details={"meal": {"items": [{"code": "L1", "qty": 3}]}}))
    assert "approval" not in t.details and not sent(store, "approval")
    assert service.dispatch("li", t.id, ["K001"]).status == "dispatched"


def test_cleaning_fields_are_kept_normalised(service: TicketService, store: Store) -> None:
    t = service.accept("li", NewTicket("cleaning", "出院终末消毒", location_code="10306",
                                       details={"cleaning": {"area": " 306病房 3床 ",
                                                             "kind": "terminal_disinfection"}}))
    assert t.details == {"cleaning": {"area": "306病房 3床", "kind": "terminal_disinfection"}}
    plain = service.accept("li", NewTicket("cleaning", "地面有水", location_code="10306"))
    assert plain.details == {"cleaning": {"area": "", "kind": "routine"}}
    service.dispatch("li", t.id, ["W003"])
    with store.session() as s:
        snap = s.scalar(select(PrintJob.snapshot).where(PrintJob.ticket_id == t.id))
    assert snap["details"]["cleaning"]["kind"] == "terminal_disinfection"


def test_changing_a_pending_order_asks_the_ward_head_again(service: TicketService, store: Store) -> None:
    t = service.accept("li", lunch(("L1", 1)))
    same = service.edit("li", t.id, details={"meal": {"items": [{"code": "L1", "qty": 1}], "delivery_time": "11:30"}})
    assert same.details["approval"]["state"] == "pending" and len(sent(store, "approval")) == 1
    service.edit("li", t.id, details={"meal": {"items": [{"code": "L1", "qty": 3}]}})
    assert len(sent(store, "approval")) == 2
