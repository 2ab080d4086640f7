"""Outage notices: the affected departments come from the buildings and floors named (their
rooms' departments) and the departments named; each department's contacts (head nurse,
manager, clerk, lead with a mobile; the directory's mobiles) get one SMS through the outbox, due
the lead time before the cut; a number is texted once; a department without a contact is
listed; cancelling stops what is queued and tells whoever had it; delivery reports show.

The clock is Monday 2026-11-23 09:00 in Shanghai (01:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ticketing.audit import history
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import Location, OrgUnit, PhoneEntry, SmsOut, Staff
from ticketing.notices import NoticeError, NoticeIn, Notices
from ticketing.outbox import SmsOutbox
from ticketing.service import TicketService
from ticketing.store import Store

from .factories import small_hospital


def _utc(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def hospital(store: Store) -> Store:
    """small_hospital's 1号楼 3F is 心内科 (D01), 2号楼 1F is ICU (D02); here 1号楼 4F is 放射科
    (D03, nobody to tell) and each ward has contacts."""
    small_hospital(store)
    with store.session() as s:
        s.add(OrgUnit(code="D03", name="放射科", kind="department"))
        s.add(Location(code="10401", campus="本部", building="1号楼", floor="4", room="401", org_code="D03"))
        s.add_all([
            Staff(code="H-D01", name="心内护士长", org_code="D01", role="ward_head", phone="13600000001"),
            Staff(code="C-D01", name="心内文员", org_code="D01", role="clerk", phone="13600000002"),
            Staff(code="N-D01", name="心内护士", org_code="D01", role="worker", phone="13600000003"),
            Staff(code="H-D02", name="ICU护士长", org_code="D02", role="ward_head", phone="13600000004"),
            Staff(code="X-D01", name="离职护士长", org_code="D01", role="ward_head", phone="13600000009",
                  active=False),
        ])
        s.add_all([
            PhoneEntry(number="13600000004", person="ICU值班手机", org_code="D01"),  # also D02's head
            PhoneEntry(number="13900000099", person="ICU值班手机", org_code="D02"),
        ])
    return store


@pytest.fixture
def notices(hospital: Store, service: TicketService) -> Notices:
    return Notices(service, lead=timedelta(hours=24))


def _sms(store: Store) -> list[SmsOut]:
    with store.session() as s:
        return list(s.scalars(select(SmsOut).order_by(SmsOut.id)))


POWER = NoticeIn("power", _utc("2026-11-25 22:00"), _utc("2026-11-26 06:00"), "配电室检修，请备好应急照明",
                 buildings=("1号楼",))


def test_a_building_notice_texts_each_departments_contacts_once_ahead_of_time(
        hospital: Store, notices: Notices, composer: PlainComposer) -> None:
    made = notices.create("lead", POWER)
    assert made["departments"] == 2 and made["sms"] == 3 and made["without_contact"] == 1
    assert made["send_at"] == _utc("2026-11-24 22:00").isoformat()  # 24 hours before the cut
    sms = _sms(hospital)
    # 心内科: its head nurse, its clerk and the directory's mobile (D02's head's phone, texted
    # once though it is a contact of D01 here and of D02 nowhere in this notice); not the worker,
    # not the inactive head, not an extension
    assert [(m.number, m.kind, m.status, m.ticket_id) for m in sms] == [
        ("13600000001", "notice", "queued", None), ("13600000002", "notice", "queued", None),
        ("13600000004", "notice", "queued", None)]
    assert {m.due_at for m in sms} == {_utc("2026-11-24 22:00")}
    data = [d for template, _lang, d in composer.rendered if template == "notice"]
    assert {d["department"] for d in data} == {"心内科"}
    assert data[0]["places"] == "1号楼" and data[0]["notice_kind"] == "power"
    assert (data[0]["starts_local"], data[0]["ends_local"]) == ("11-25 22:00", "11-26 06:00")
    view = notices.detail(made["id"])
    assert view is not None
    rows = [(r["org_code"], r["name"], r["number"], r["state"]) for r in view["recipients"]]
    assert rows == [("D01", "心内护士长", "13600000001", "scheduled"), ("D01", "心内文员", "13600000002", "scheduled"),
                    ("D01", "ICU值班手机", "13600000004", "scheduled"), ("D03", "", "", "no_contact")]
    assert view["counts"] == {"scheduled": 3, "no_contact": 1}
    with hospital.session() as s:
        [created] = history(s, "outage_notice", made["id"])
    assert (created.actor, created.action, created.after["sms"]) == ("lead", "create", 3)


def test_floors_and_departments_and_one_sms_per_number(hospital: Store, notices: Notices) -> None:
    notice = NoticeIn("water", _utc("2026-11-24 08:00"), _utc("2026-11-24 12:00"), "",
                      floors=(("1号楼", "3"),), departments=("D02",))
    made = notices.create("manager", notice)
    assert made["departments"] == 2
    view = notices.detail(made["id"])
    assert view is not None
    by_number: dict[str, set[str]] = {}
    for r in view["recipients"]:
        by_number.setdefault(r["number"], set()).add(r["org_code"])
    # 13600000004 is D02's head nurse and in D01's directory: one SMS, a row for each department
    assert by_number["13600000004"] == {"D01", "D02"}
    assert {r["sms_id"] for r in view["recipients"] if r["number"] == "13600000004"} == {
        next(m.id for m in _sms(hospital) if m.number == "13600000004")}
    assert sorted(m.number for m in _sms(hospital)) == [
        "13600000001", "13600000002", "13600000004", "13900000099"]
    assert "10401" not in str(view)  # 4F is not affected


def test_a_late_notice_goes_out_at_once_and_the_outbox_sends_it_when_due(
        hospital: Store, notices: Notices, clock: FixedClock) -> None:
    soon = NoticeIn("gas", _utc("2026-11-23 11:00"), _utc("2026-11-23 12:00"), departments=("D01",))
    notices.create("lead", soon)
    assert {m.due_at for m in _sms(hospital)} == {clock.now()}
    later = notices.create("lead", POWER)
    outbox = SmsOutbox(hospital, clock)
    now = outbox.claim("m1", 10)
    assert {m.number for m in now} == {"13600000001", "13600000002", "13600000004"}
    assert outbox.claim("m1", 10) == []  # the power cut's are due tomorrow evening
    for i, m in enumerate(now):
        outbox.mark_sent(m.id, [i], 1)
    clock.set(_utc("2026-11-24 22:00"))
    assert len(outbox.claim("m1", 10)) == 3
    assert later["sms"] == 3


def test_delivery_is_tracked_per_recipient(hospital: Store, notices: Notices, clock: FixedClock) -> None:
    made = notices.create("lead", POWER)
    clock.set(_utc("2026-11-24 22:00"))
    outbox = SmsOutbox(hospital, clock)
    claimed = {m.number: m.id for m in outbox.claim("m1", 10)}
    outbox.mark_sent(claimed["13600000001"], [11], 1)
    outbox.mark_sent(claimed["13600000002"], [12], 1)
    outbox.mark_delivered("m1", 11, "13600000001", True)
    outbox.mark_delivered("m1", 12, "13600000002", False)
    states = {r["number"]: r["state"] for r in notices.detail(made["id"])["recipients"]}  # type: ignore[index]
    assert states == {"13600000001": "delivered", "13600000002": "failed", "13600000004": "sending", "": "no_contact"}


def test_cancelling_stops_queued_sms_and_tells_who_had_it(hospital: Store, notices: Notices,
                                                          clock: FixedClock, composer: PlainComposer) -> None:
    first = notices.create("lead", POWER)
    stopped = notices.cancel("lead", first["id"], "检修推迟")
    assert stopped == {"id": first["id"], "sms_stopped": 3, "told": 0}
    assert {m.status for m in _sms(hospital)} == {"cancelled"}
    clock.set(_utc("2026-11-24 22:00"))
    assert SmsOutbox(hospital, clock).claim("m1", 10) == []  # nothing cancelled ever goes out
    second = notices.create("lead", NoticeIn("power", _utc("2026-11-25 22:00"), _utc("2026-11-26 06:00"),
                                             buildings=("1号楼",)))
    outbox = SmsOutbox(hospital, clock)
    [one, *_rest] = outbox.claim("m1", 1)
    outbox.mark_sent(one.id, [5], 1)
    told = notices.cancel("manager", second["id"], "改期")
    assert told["sms_stopped"] == 2 and told["told"] == 1
    tell = [m for m in _sms(hospital) if m.kind == "notice_cancelled"]
    assert [(m.number, m.status, m.due_at) for m in tell] == [(one.number, "queued", clock.now())]
    assert [d["reason"] for t, _l, d in composer.rendered if t == "notice_cancelled"] == ["改期"]
    assert notices.detail(second["id"])["status"] == "cancelled"  # type: ignore[index]
    with pytest.raises(NoticeError, match="already cancelled"):
        notices.cancel("lead", second["id"])
    with hospital.session() as s:
        actions = [(a.action, a.actor) for a in history(s, "outage_notice", second["id"])]
    assert actions == [("create", "lead"), ("cancel", "manager")]


@pytest.mark.parametrize(("notice", "words"), [
    (NoticeIn("steam", POWER.starts_at, POWER.ends_at, buildings=("1号楼",)), "kind: 'steam'"),
    (NoticeIn("power", POWER.ends_at, POWER.starts_at, buildings=("1号楼",)), "ends_at: the cut must end after"),
    (NoticeIn("power", _utc("2026-11-22 08:00"), _utc("2026-11-22 09:00"), buildings=("1号楼",)),
     "ends_at: the cut is over"),
    (NoticeIn("power", POWER.starts_at, POWER.starts_at + timedelta(days=40), buildings=("1号楼",)),
     "at most 31 days"),
    (NoticeIn("power", POWER.starts_at, POWER.ends_at), "buildings: name the buildings"),
    (NoticeIn("power", POWER.starts_at, POWER.ends_at, "字" * 61, buildings=("1号楼",)), "text: at most 60"),
    (NoticeIn("power", POWER.starts_at, POWER.ends_at, buildings=("9号楼",)), "buildings: no rooms in a building '9号楼'"),
    (NoticeIn("power", POWER.starts_at, POWER.ends_at, floors=(("1号楼", "9"),)), "floors: no rooms on floor '9'"),
    (NoticeIn("power", POWER.starts_at, POWER.ends_at, departments=("ZZ",)), "departments: unknown department code 'ZZ'"),
])
def test_bad_notices_name_the_field(hospital: Store, notices: Notices, notice: NoticeIn, words: str) -> None:
    with pytest.raises(NoticeError, match=words.replace("(", r"\(")):
        notices.create("lead", notice)
    assert _sms(hospital) == []


def test_the_preview_writes_nothing(hospital: Store, notices: Notices) -> None:
    who = notices.affected(POWER).as_dict()
    assert [(d["code"], [c["number"] for c in d["contacts"]]) for d in who["departments"]] == [
        ("D01", ["13600000001", "13600000002", "13600000004"]), ("D03", [])]
    assert _sms(hospital) == []
