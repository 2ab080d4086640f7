"""Escorts (陪检/运送): the form checked like the meal and cleaning forms, due from the
appointment (the porter on the ward before it), the work order and slip carry it, statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ticketing.catalog import Catalog
from ticketing.escort_stats import EscortQueryError, escort_summary, escorts, figures
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import Location
from ticketing.service import NewTicket, TicketError, TicketService
from ticketing.store import Store

from .factories import small_hospital

TZ = ZoneInfo("Asia/Shanghai")


def local(h: int, m: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, h, m, tzinfo=TZ).astimezone(UTC)


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)
    with store.session() as s:
        s.add(Location(code="30101", campus="本部", building="医技楼", floor="1", room="101", name="CT室"))


def escort(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"patient_name": "张三", "bed": "12床", "from": "10306", "to": "30101",
                               "appointment": "14:00", "conveyance": "wheelchair", "exam": "CT"}
    base.update(kw)
    return {"escort": base}


def book(service: TicketService, **kw: object) -> int:
    return service.accept("li", NewTicket(service_type="transport", location_code="10306",
                                          details=escort(**kw))).id


def test_an_escort_is_due_at_its_appointment_with_the_porter_on_the_ward_before(
        service: TicketService, clock: FixedClock) -> None:
    clock.set(local(8, 0))
    t = service.get(book(service))
    e = t.details["escort"]
    assert (e["from"]["room"], e["to"]["name"], e["conveyance"], e["oxygen"], e["isolation"]) == (
        "306", "CT室", "wheelchair", False, "")
    assert e["appointment"] == local(14, 0).astimezone(TZ).isoformat()
    assert datetime.fromisoformat(e["pickup_at"]) == local(13, 30)  # the catalog's 30 minutes before
    # done by the appointment; accepted within 10 minutes into the last 45 before it
    assert t.completion_due == local(14, 0) and t.response_due == local(13, 25)
    service.dispatch("li", t.id, ["W002"], print_slip=False)
    clock.set(local(12, 0))
    assert service.sweep_overdue() == []  # the old limits would have escalated at 08:10
    clock.set(local(13, 26))
    assert service.sweep_overdue() == [t.id]


@pytest.mark.parametrize(("fields", "why"), [
    ({"patient_name": ""}, "needs the patient's name"),
    ({"to": "10306"}, "from one location to another"),
    ({"from": "99999"}, "from: unknown location code '99999'"),
    ({"appointment": "07:00"}, "has passed"),
    ({"appointment": "2026-12-30T10:00"}, "at most 14 days ahead"),
    ({"appointment": "soon"}, "not HH:MM or an ISO"),
    ({"conveyance": "helicopter"}, "conveyance must be one of walking, wheelchair, bed"),
    ({"isolation": "strict"}, "isolation must be one of contact, droplet, airborne, protective"),
    ({"oxygen": "yes"}, "oxygen must be true or false"),
    ({"ward": "x"}, "unknown escort field"),
])
def test_a_bad_escort_form_is_refused_naming_the_field(service: TicketService, clock: FixedClock,
                                                       fields: dict[str, object], why: str) -> None:
    clock.set(local(8, 0))
    with pytest.raises(TicketError, match=why):
        book(service, **fields)


def test_other_service_types_take_no_escort_fields_and_a_plain_transport_keeps_its_limits(
        service: TicketService, clock: FixedClock) -> None:
    with pytest.raises(TicketError, match="takes no escort fields"):
        service.accept("li", NewTicket(service_type="repair", location_code="10305", details=escort()))
    plain = service.accept("li", NewTicket(service_type="transport", description="标本送检验科",
                                           location_code="10306"))
    assert (plain.completion_due - clock.now()).total_seconds() == 45 * 60


def test_the_work_order_and_the_slip_carry_the_escort(service: TicketService, clock: FixedClock,
                                                      composer: PlainComposer) -> None:
    clock.set(local(8, 0))
    tid = book(service, oxygen=True, isolation="droplet")
    service.dispatch("li", tid, ["W002"])
    (data,) = [d for template, _l, d in composer.rendered if template == "work_order"]
    assert (data["patient"], data["pickup_local"], data["appointment_local"], data["conveyance"],
            data["oxygen"], data["isolation"], data["escort_to"]["name"]) == (
        "张三", "13:30", "14:00", "wheelchair", True, "droplet", "CT室")
    with service.tx() as tx:
        from ticketing.commands.rows import load

        snap = service.slip_snapshot(tx, load(tx, tid, lock=False))
    assert snap["details"]["escort"]["pickup_at"] == local(13, 30).astimezone(TZ).isoformat()


def test_editing_the_appointment_moves_the_due_times(service: TicketService, clock: FixedClock) -> None:
    clock.set(local(8, 0))
    tid = book(service)
    stored = service.get(tid).details
    moved = {"escort": {**stored["escort"], "appointment": "15:30"}}  # sent back as stored
    t = service.edit("li", tid, details=moved)
    assert t.completion_due == local(15, 30)
    assert datetime.fromisoformat(t.details["escort"]["pickup_at"]) == local(15, 0)


def test_escort_statistics_by_conveyance_department_and_day(service: TicketService, store: Store,
                                                            clock: FixedClock, catalog: Catalog) -> None:
    clock.set(local(8, 0))
    on_time = book(service)  # wheelchair, D01: on the ward 13:20, done 13:55
    late = book(service, conveyance="bed", oxygen=True, appointment="10:00", isolation="contact")
    cancelled = book(service, conveyance="walking", appointment="16:00")
    tomorrow = book(service, appointment="2026-11-24T09:00")
    service.cancel("li", cancelled, "检查取消")
    for tid, arrive, done in ((late, local(9, 40), local(10, 12)), (on_time, local(13, 20), local(13, 55))):
        service.dispatch("li", tid, ["W002"], print_slip=False)
        clock.set(arrive)
        service.start("sms:W002", tid, "W002")
        clock.set(done)
        service.complete("sms:W002", tid)
    with store.session() as s:
        rows = escorts(s, catalog, date(2026, 11, 23), date(2026, 11, 23), TZ)
        assert tomorrow not in {r["ticket_id"] for r in rows}
        with pytest.raises(EscortQueryError, match="1..366 days"):
            escorts(s, catalog, date(2026, 11, 24), date(2026, 11, 23), TZ)
    by_conveyance = {r["group"]: (r["requests"], r["done"], r["cancelled"], r["on_ward_rate"], r["on_time_rate"])
                     for r in escort_summary(rows, "conveyance")}
    # late: on the ward 09:40 ≤ pick-up 09:30? no; done 10:12 > 10:00
    assert by_conveyance == {"walking": (1, 0, 1, None, None), "wheelchair": (1, 1, 0, 1.0, 1.0),
                             "bed": (1, 1, 0, 0.0, 0.0)}
    assert [r["group"] for r in escort_summary(rows, "conveyance")] == ["walking", "wheelchair", "bed"]
    assert [(r["label"], r["requests"]) for r in escort_summary(rows, "department")] == [("心内科", 3)]
    assert figures(rows) == {"requests": 3, "done": 2, "cancelled": 1, "on_ward_rate": 0.5, "on_time_rate": 0.5,
                             "oxygen": 1, "isolation": 1}
    assert {r["ticket_id"]: r["late_min"] for r in rows if r["late_min"] is not None} == {late: 12.0,
                                                                                          on_time: -5.0}
