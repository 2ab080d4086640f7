"""投诉建议: a complaint names its target and severity, is investigated, concluded and
answered, escalates like any ticket, closes only with a finding and a reply, and a justified
one counts in the target's 考核."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ticketing.assessment.config import AssessmentConfig
from ticketing.assessment.figures import Month, complaint_facts, month_scores
from ticketing.assessment.scoring import ComplaintFacts
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.lifecycle import IllegalTransition
from ticketing.model import SmsOut
from ticketing.service import NewTicket, TicketError, TicketService
from ticketing.store import Store

from .factories import small_hospital

MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)


def complaint(service: TicketService, phone: str = MOBILE, **form: str) -> int:
    details = {"complaint": form} if form else {}
    return service.accept("li", NewTicket("complaint", "维修师傅迟到还态度差", "10305",
                                          reporter_phone=phone, details=details)).id


def test_the_desk_takes_the_target_and_severity_and_nothing_else(service: TicketService) -> None:
    tid = complaint(service, target_kind="worker", target_code="W001", severity="serious")
    form = service.get(tid).details["complaint"]
    assert (form["target_kind"], form["target_code"], form["severity"]) == ("worker", "W001", "serious")
    assert (form["notes"], form["outcome"], form["reply"]) == ([], "", {})
    bad = [({"target_kind": "worker", "target_code": "W999"}, "target worker 'W999' is not known"),
           ({"target_kind": "team", "target_code": "D01"}, "target team 'D01' is not known"),
           ({"target_kind": "nurse", "target_code": "x"}, "target_kind must be one of"),
           ({"target_kind": "worker"}, "give the complaint's target kind and code together"),
           ({"severity": "huge"}, "severity must be one of minor, normal, serious"),
           ({"outcome": "justified"}, "recorded by its own steps"),
           ({"colour": "red"}, "unknown complaint field(s): colour")]
    for form_in, message in bad:
        with pytest.raises(TicketError, match=re.escape(message)):
            complaint(service, **form_in)
    with pytest.raises(TicketError, match="unknown detail field"):
        service.accept("li", NewTicket("repair", "x", "10305", details={"complaint": {}}))
    assert complaint(service) > tid  # the target may come later


def test_investigate_conclude_reply_then_close(service: TicketService, store: Store,
                                               clock: FixedClock, composer: PlainComposer) -> None:
    tid = complaint(service)
    clock.advance(minutes=20)
    view = service.investigate("lead", tid, "已致电投诉人")
    assert view.worker_accepted_at == clock.now()  # the first note is the response
    with pytest.raises(TicketError, match="closed with its target"):
        service.complete("lead", tid)
    with pytest.raises(TicketError, match="name the complaint's target before its finding"):
        service.conclude("lead", tid, "justified", "属实")
    service.complaint_target("lead", tid, "worker", "W001", "normal")
    with pytest.raises(TicketError, match="closed with its finding"):
        service.complete("lead", tid)
    with pytest.raises(TicketError, match="outcome must be one of justified, unjustified"):
        service.conclude("lead", tid, "maybe", "?")
    with pytest.raises(TicketError, match="the finding is empty"):
        service.conclude("lead", tid, "justified", "  ")
    service.conclude("lead", tid, "justified", "迟到40分钟属实")
    with pytest.raises(TicketError, match="once the complainant has had the reply"):
        service.complete("lead", tid)
    service.reply_complainant("li", tid, "sms", "经调查属实，已处理当事人，感谢监督")
    done = service.complete("li", tid)
    assert done.status == "done"
    form = done.details["complaint"]
    assert (form["outcome"], form["finding"], form["concluded_by"]) == ("justified", "迟到40分钟属实", "lead")
    assert form["reply"]["channel"] == "sms" and form["reply"]["by"] == "li"
    assert [n["text"] for n in form["notes"]] == ["已致电投诉人"]
    with store.session() as s:
        sent = s.scalars(select(SmsOut).where(SmsOut.kind == "complaint_reply")).all()
        assert [(m.number, m.ticket_id, m.id) for m in sent] == [(MOBILE, tid, form["reply"]["sms_id"])]
    replied = next(d for t, _l, d in composer.rendered if t == "complaint_reply")
    assert replied["reply_text"] == "经调查属实，已处理当事人，感谢监督"
    steps = [(e.action, e.note) for e in service.get(tid).timeline]
    assert ("investigate", "已致电投诉人") in steps and ("conclude", "justified: 迟到40分钟属实") in steps
    assert ("reply", "sms: 经调查属实，已处理当事人，感谢监督") in steps
    assert ("complaint_target", "worker W001 (normal)") in steps
    with pytest.raises(TicketError, match="reopen it to change its record"):
        service.conclude("lead", tid, "unjustified", "改判")


def test_a_landline_complainant_is_answered_by_a_recorded_call(service: TicketService) -> None:
    tid = complaint(service, phone="6123", target_kind="team", target_code="T01")
    with pytest.raises(TicketError, match="no SMS to the complainant: not a mobile number; call them"):
        service.reply_complainant("li", tid, "sms", "已处理")
    with pytest.raises(TicketError, match="channel must be one of sms, call"):
        service.reply_complainant("li", tid, "letter", "已处理")
    service.conclude("lead", tid, "unjustified", "查无此事")
    reply = service.reply_complainant("li", tid, "call", "已电话说明调查结果，投诉人表示理解").details["complaint"]["reply"]
    assert (reply["channel"], reply["text"]) == ("call", "已电话说明调查结果，投诉人表示理解")
    assert service.complete("li", tid).status == "done"


def test_steps_belong_to_complaints_only(service: TicketService) -> None:
    t = service.accept("li", NewTicket("repair", "x", "10305"))
    with pytest.raises(TicketError, match=f"ticket {t.id} is not a complaint"):
        service.investigate("lead", t.id, "note")


def test_an_edit_changes_the_target_but_never_the_record(service: TicketService) -> None:
    tid = complaint(service, target_kind="worker", target_code="W001")
    service.investigate("lead", tid, "调查中")
    service.conclude("lead", tid, "justified", "属实")
    edited = service.edit("li", tid, details={"complaint": {
        "target_kind": "worker", "target_code": "W002", "outcome": "unjustified", "notes": []}})
    form = edited.details["complaint"]
    assert (form["target_code"], form["outcome"], len(form["notes"])) == ("W002", "justified", 1)


def test_an_uninvestigated_complaint_escalates_to_the_manager(service: TicketService, store: Store,
                                                              clock: FixedClock) -> None:
    quiet = complaint(service)
    looked_at = complaint(service)
    service.investigate("lead", looked_at, "已受理")
    clock.advance(hours=3)  # the response limit is 120 working minutes (Monday 09:00 + 2 h)
    assert service.sweep_overdue() == [quiet]
    with store.session() as s:
        told = {m.number for m in s.scalars(select(SmsOut).where(SmsOut.kind == "escalation"))}
    assert told == {"13800000020"}  # M001, the manager, as the catalog's escalate_to says


def test_a_justified_complaint_counts_in_the_targets_assessment(service: TicketService, store: Store,
                                                                clock: FixedClock) -> None:
    clock.set(datetime(2026, 11, 10, 1, tzinfo=UTC))
    t = service.accept("li", NewTicket("repair", "x", "10305", reporter_phone="6123"))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    clock.advance(minutes=5)
    service.worker_accept("sms:W001", t.id, "W001")
    clock.advance(minutes=30)
    service.complete("sms:W001", t.id)
    justified = complaint(service, target_kind="worker", target_code="W001", severity="serious")
    service.conclude("lead", justified, "justified", "属实")
    rejected = complaint(service, target_kind="worker", target_code="W001", severity="serious")
    service.conclude("lead", rejected, "unjustified", "不属实")
    dropped = complaint(service, target_kind="worker", target_code="W001")
    service.conclude("lead", dropped, "justified", "属实")
    service.cancel("li", dropped, "投诉人撤回")
    tz = ZoneInfo("Asia/Shanghai")
    period = Month(2026, 11).period(tz)
    config = AssessmentConfig.default()
    with store.session() as s:
        facts = complaint_facts(s, period, {"complaint"})
        scores = {e.key: e for e in month_scores(s, config, Month(2026, 11), tz, "worker", {"complaint"},
                                                 clock.now() + timedelta(days=30))}
    assert facts == [ComplaintFacts(justified, "worker", "W001", "serious", "justified"),
                     ComplaintFacts(rejected, "worker", "W001", "serious", "unjustified")]
    w = scores["W001"]
    assert (w.complaints, w.deduction) == (1, 10.0)
    assert w.score == pytest.approx(max(0.0, 0.85 * w.quality + 0.15 * w.workload - 10))
    assert set(scores) == {"W001"}  # the complaint tickets themselves are not field work


def test_reopening_a_closed_complaint_lets_the_record_change(service: TicketService) -> None:
    tid = complaint(service, target_kind="worker", target_code="W001")
    service.conclude("lead", tid, "unjustified", "查无此事")
    service.reply_complainant("li", tid, "call", "已说明")
    service.complete("li", tid)
    with pytest.raises(IllegalTransition):
        service.complete("li", tid)
    service.reopen("manager", tid, "投诉人提供了新证据")
    assert service.conclude("lead", tid, "justified", "新证据证实属实").details["complaint"]["outcome"] == "justified"
