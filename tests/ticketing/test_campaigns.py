"""定期满意度调查: a campaign to departments or recent requesters, by SMS (reply a digit) or
by the outbound survey call, paced by its hourly limit, silent in its quiet hours, skipping
opted-out numbers, with results by department, service and day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ticketing.campaigns import CampaignCalls, results
from ticketing.fakes import FixedClock
from ticketing.model import SmsOut, Staff
from ticketing.model_feedback import CampaignTarget, RatingRequest, SurveyCampaign
from ticketing.service import CampaignSpec, NewTicket, TicketError, TicketService
from ticketing.store import Store

from .factories import small_hospital

TZ = ZoneInfo("Asia/Shanghai")
HEADS = ("13600000001", "13600000002", "13600000003")


@pytest.fixture(autouse=True)
def _hospital(store: Store, clock: FixedClock) -> None:
    small_hospital(store)
    with store.session() as s:
        s.add_all([Staff(code=f"H-{i}", name=f"护士长{i}", role="ward_head", org_code=org, phone=phone)
                   for i, (org, phone) in enumerate(zip(("D01", "D01", "D02"), HEADS, strict=True))])
    clock.set(datetime(2026, 11, 23, 2, tzinfo=UTC))  # Monday 10:00 in Shanghai


def _targets(store: Store, campaign_id: int) -> dict[str, str]:
    with store.session() as s:
        return {t.number: t.status for t in s.scalars(select(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign_id))}


def test_a_campaign_is_checked_when_made(service: TicketService) -> None:
    for spec, message in (
            (CampaignSpec("", "sms", "departments", ("D01",)), "name is 1–100 characters"),
            (CampaignSpec("x", "fax", "departments", ("D01",)), "channel must be one of sms, ivr"),
            (CampaignSpec("x", "sms", "everyone", ("D01",)), "audience must be one of"),
            (CampaignSpec("x", "sms", "departments", ()), "choose the departments"),
            (CampaignSpec("x", "sms", "departments", ("D99",)), "unknown department code 'D99'"),
            (CampaignSpec("x", "sms", "requesters", service_types=("spa",)), "unknown service type 'spa'"),
            (CampaignSpec("x", "sms", "requesters", quiet_start="25:00"), "quiet_start must be a time"),
            (CampaignSpec("x", "sms", "requesters", per_hour=100_000), "per_hour must be 1–3600"),
            (CampaignSpec("x", "sms", "requesters", since_days=0), "since_days must be 1–366")):
        with pytest.raises(TicketError, match=message):
            service.create_campaign("manager", spec)


def test_an_sms_campaign_to_departments_paced_quiet_and_answered(
        service: TicketService, store: Store, clock: FixedClock) -> None:
    service.handle_inbound_sms("m1", HEADS[2], "退订", None, clock.now())
    cid = service.create_campaign("manager", CampaignSpec(
        "病区满意度调查", "sms", "departments", ("D01", "D02"), per_hour=1, quiet_start="21:00",
        quiet_end="08:00"))
    assert service.start_campaign("manager", cid) == "running"
    # the wards' heads by SMS; the wards' phones are extensions (6123, 6240, 8001): no SMS
    assert _targets(store, cid) == {HEADS[0]: "queued", HEADS[1]: "queued", HEADS[2]: "skipped"}
    with pytest.raises(TicketError, match="only a draft starts"):
        service.start_campaign("manager", cid)
    assert service.run_campaigns() == 1
    assert service.run_campaigns() == 0  # one an hour
    assert _targets(store, cid)[HEADS[0]] == "sent"
    clock.set(datetime(2026, 11, 23, 14, tzinfo=UTC))  # 22:00 local: quiet hours
    assert service.run_campaigns() == 0
    clock.set(datetime(2026, 11, 24, 1, tzinfo=UTC))  # 09:00 next day
    assert service.run_campaigns() == 1
    assert service.handle_inbound_sms("m1", HEADS[0], "4", None, clock.now()).outcome == "acted"
    assert service.handle_inbound_sms("m1", HEADS[0], "5", None, clock.now() + timedelta(seconds=1)).outcome == "rejected"
    with store.session() as s:
        assert s.scalar(select(SurveyCampaign.status).where(SurveyCampaign.id == cid)) == "done"
        sent = s.scalars(select(SmsOut).where(SmsOut.kind == "campaign")).all()
        asked = s.scalars(select(RatingRequest).where(RatingRequest.campaign_target_id.is_not(None))).all()
        got = results(s, cid, TZ)
    assert sorted(m.number for m in sent) == [HEADS[0], HEADS[1]] and len(asked) == 2
    assert got["total"] == {"targets": 3, "asked": 2, "answered": 1, "skipped": 1, "waiting": 0,
                            "response_rate": 0.5, "satisfaction": 4.0,
                            "scores": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
    assert [(g["group"], g["targets"], g["answered"]) for g in got["by_department"]] == [("D01", 2, 1), ("D02", 1, 0)]
    assert [(g["group"], g["satisfaction"]) for g in got["by_day"]] == [("2026-11-24", 4.0)]


def _requester_tickets(service: TicketService, clock: FixedClock) -> None:
    for phone, st in (("6123", "repair"), ("13912345678", "transport"), ("6240", "repair"), ("6123", "repair")):
        t = service.accept("li", NewTicket(st, "x", "10305", reporter_phone=phone))
        service.complete("li", t.id)
        clock.advance(minutes=1)
    old = service.accept("li", NewTicket("repair", "x", "10305", reporter_phone="8001"))
    service.complete("li", old.id)
    with service.store.session() as s:  # done 40 days ago: outside since_days
        from ticketing.model import Ticket
        s.get(Ticket, old.id).done_at = clock.now() - timedelta(days=40)


def test_an_ivr_campaign_to_recent_requesters(service: TicketService, store: Store, clock: FixedClock) -> None:
    _requester_tickets(service, clock)
    cid = service.create_campaign("manager", CampaignSpec("维修回访", "ivr", "requesters",
                                                          service_types=("repair",), since_days=30))
    service.start_campaign("manager", cid)
    assert _targets(store, cid) == {"6123": "queued", "6240": "queued"}  # one per number, repair only
    calls = CampaignCalls(store, clock, TZ, retry_after=timedelta(minutes=30), max_attempts=2)
    assert calls.claim_due(5) == []  # nothing released yet
    assert service.run_campaigns() == 2
    due = calls.claim_due(5)
    assert sorted(c.number for c in due) == ["6123", "6240"] and calls.claim_due(5) == []
    first, second = sorted(due, key=lambda c: c.number)
    assert calls.service_of(first.ticket_id) == "repair"
    assert service.campaign_call_score(first.ticket_id, 5) is True
    assert calls.mark_result(first.id, 5, "answered") == "answered"
    assert service.campaign_call_score(first.ticket_id, 1) is False  # never twice
    assert calls.mark_result(second.id, None, "no_answer") == "retry"
    clock.advance(minutes=31)
    again = calls.claim_due(5)
    assert [c.number for c in again] == ["6240"] and again[0].attempts == 2
    assert calls.mark_result(again[0].id, None, "busy") == "no_answer"
    with pytest.raises(TicketError, match="score must be 1..5"):
        service.campaign_call_score(first.ticket_id, 9)
    assert service.run_campaigns() == 0
    with store.session() as s:
        assert s.scalar(select(SurveyCampaign.status).where(SurveyCampaign.id == cid)) == "done"
        got = results(s, cid, TZ)
    assert (got["total"]["asked"], got["total"]["answered"], got["total"]["satisfaction"]) == (2, 1, 5.0)
    assert [(g["group"], g["answered"]) for g in got["by_service"]] == [("repair", 1)]


def test_an_ivr_campaign_calls_nobody_in_its_quiet_hours(service: TicketService, store: Store,
                                                         clock: FixedClock) -> None:
    _requester_tickets(service, clock)
    cid = service.create_campaign("manager", CampaignSpec("x", "ivr", "requesters", quiet_start="10:00",
                                                          quiet_end="11:00"))
    service.start_campaign("manager", cid)
    clock.set(datetime(2026, 11, 23, 1, 30, tzinfo=UTC))  # 09:30
    assert service.run_campaigns() == 3
    calls = CampaignCalls(store, clock, TZ)
    clock.set(datetime(2026, 11, 23, 2, 30, tzinfo=UTC))  # 10:30: quiet
    assert calls.claim_due(5) == []
    clock.set(datetime(2026, 11, 23, 3, 1, tzinfo=UTC))
    assert len(calls.claim_due(5)) == 3


def test_pause_resume_cancel_and_nobody_to_ask(service: TicketService, store: Store, clock: FixedClock) -> None:
    cid = service.create_campaign("manager", CampaignSpec("x", "sms", "departments", ("D01",), per_hour=1))
    service.start_campaign("manager", cid)
    assert service.set_campaign_status("manager", cid, "paused") == "paused"
    assert service.run_campaigns() == 0
    assert service.set_campaign_status("manager", cid, "running") == "running"
    assert service.run_campaigns() == 1
    assert service.set_campaign_status("manager", cid, "cancelled") == "cancelled"
    with pytest.raises(TicketError, match="cannot make it running"):
        service.set_campaign_status("manager", cid, "running")
    assert set(_targets(store, cid).values()) == {"sent", "skipped"}
    # the ward head's digit no longer rates anything (and a staff number's bare digit is
    # then read as a worker's reply)
    assert service.handle_inbound_sms("m1", HEADS[0], "5", None, clock.now()).outcome == "rejected"
    with store.session() as s:
        assert s.scalars(select(RatingRequest.status)).all() == ["void"]
        assert s.scalars(select(CampaignTarget.score)).all() == [None, None]
    empty = service.create_campaign("manager", CampaignSpec("x", "sms", "requesters", service_types=("oxygen",)))
    with pytest.raises(TicketError, match="nobody to ask"):
        service.start_campaign("manager", empty)
