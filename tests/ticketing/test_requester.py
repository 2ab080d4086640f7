"""有回复: the requester's mobile hears of the dispatch and the completion, rates by a digit,
opts out; extensions get nothing; every bad reply is stored and explained once; a score
never changes twice."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ticketing.assessment.config import AssessmentConfig
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import DailyStat, SmsIn, SmsOut, SurveyCall, Ticket
from ticketing.model_feedback import RatingRequest, RequesterNumber
from ticketing.phone import is_mobile
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

from .factories import small_hospital
from .reference_assessment import CONFIG

MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)


def _sms(store: Store, number: str = MOBILE) -> list[tuple[str, int | None]]:
    with store.session() as s:
        return [(r.kind, r.ticket_id) for r in s.scalars(
            select(SmsOut).where(SmsOut.number == number).order_by(SmsOut.id))]


def _whys(composer: PlainComposer) -> list[str]:
    return [d["why"] for t, _lang, d in composer.rendered if t == "requester_explain"]


def _done(service: TicketService, clock: FixedClock, phone: str = MOBILE, st: str = "repair") -> int:
    t = service.accept("li", NewTicket(st, "灯不亮", "10305", reporter_phone=phone))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    clock.advance(minutes=5)
    service.worker_accept("sms:W001", t.id, "W001")
    clock.advance(minutes=30)
    service.complete("sms:W001", t.id)
    return t.id


def _reply(service: TicketService, clock: FixedClock, text: str, number: str = MOBILE) -> tuple[str, str]:
    clock.advance(seconds=7)
    out = service.handle_inbound_sms("m1", number, text, None, clock.now(), "a number alone")
    return out.outcome, out.reason


def test_the_mobile_mobile_rule() -> None:
    assert is_mobile("13912345678") and is_mobile("19900000000")
    assert not any(is_mobile(n) for n in ("6123", "02161234567", "12345678901", "1391234567", ""))


def test_dispatch_and_done_reach_a_mobile_and_an_extension_gets_nothing(
        service: TicketService, store: Store, clock: FixedClock, composer: PlainComposer) -> None:
    tid = _done(service, clock)
    assert _sms(store) == [("rq_dispatch", tid), ("rq_done", tid)]
    dispatch = next(d for t, _l, d in composer.rendered if t == "requester_dispatch")
    assert dispatch["workers_text"] == "王师傅" and dispatch["ticket_id"] == tid
    assert dispatch["completion_due_local"] and dispatch["response_due_local"]
    notes = [e.note for e in service.get(tid).timeline if e.action == "requester_sms"]
    assert notes == ["SMS to the requester: dispatch", "SMS to the requester: done"]
    with store.session() as s:
        asked = s.scalars(select(RatingRequest)).all()
        assert [(r.number, r.ticket_id, r.status) for r in asked] == [(MOBILE, tid, "asked")]
    ext = _done(service, clock, phone="6123")
    assert _sms(store, "6123") == [] and not [e for e in service.get(ext).timeline if e.action == "requester_sms"]


def test_per_service_type_and_complaints_get_none(store: Store, clock: FixedClock, catalog: Catalog,
                                                 calendar: BusinessCalendar, composer: PlainComposer) -> None:
    data = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    data["types"]["repair"]["requester_sms"] = ["done"]
    only_done = AssessmentConfig.from_dict(data)
    service = TicketService(store, clock, catalog, calendar, composer, assessment=only_done)
    tid = _done(service, clock)
    assert _sms(store) == [("rq_done", tid)]
    t = service.accept("li", NewTicket("complaint", "态度差", "10305", reporter_phone=MOBILE))
    service.complaint_target("lead", t.id, "worker", "W001", "minor")
    service.conclude("lead", t.id, "unjustified", "查无此事")
    service.reply_complainant("li", t.id, "call", "已电话说明")
    service.complete("li", t.id)
    assert _sms(store) == [("rq_done", tid)]


def test_a_digit_reply_rates_like_a_call_back_once(service: TicketService, store: Store,
                                                   clock: FixedClock, composer: PlainComposer) -> None:
    tid = _done(service, clock)
    assert _reply(service, clock, " ４ 分") == ("acted", "rating 4")
    view = service.get(tid)
    assert (view.status, view.satisfaction) == ("called_back", 4)
    assert [e.note for e in view.timeline if e.action == "callback"] == ["score 4 via sms"]
    with store.session() as s:
        assert s.scalar(select(SurveyCall.status).where(SurveyCall.ticket_id == tid)) == "done"
        assert s.scalar(select(func.sum(DailyStat.satisfaction_sum))) == 4
        assert s.scalar(select(RatingRequest.status)) == "answered"
    assert _sms(store)[-1] == ("rq_thanks", tid)
    # a second reply: stored, explained once, the score stands
    assert _reply(service, clock, "5")[0] == "rejected"
    assert _reply(service, clock, "2")[0] == "rejected"
    assert _whys(composer) == ["already"] and service.get(tid).satisfaction == 4
    with store.session() as s:
        assert [r.outcome for r in s.scalars(select(SmsIn).order_by(SmsIn.id))] == ["acted", "rejected", "rejected"]
        assert s.scalar(select(func.sum(DailyStat.satisfaction_n))) == 1


def test_out_of_range_unknown_and_never_asked_are_explained_once(
        service: TicketService, store: Store, clock: FixedClock, composer: PlainComposer) -> None:
    assert _reply(service, clock, "5")[0] == "rejected"  # never asked
    assert _reply(service, clock, "4")[0] == "rejected"
    assert _whys(composer) == ["never_asked"]
    tid = _done(service, clock)
    outcome, reason = _reply(service, clock, "7")
    assert outcome == "rejected" and "score 7 is not 1–5" in reason
    assert _reply(service, clock, "0")[0] == "rejected"
    assert _reply(service, clock, "好的谢谢")[0] == "rejected"
    assert _whys(composer) == ["never_asked", "out_of_range", "unknown_reply"]
    assert _reply(service, clock, "5") == ("acted", "rating 5")  # the rating is still open
    assert service.get(tid).satisfaction == 5
    # a stranger's words (no rating asked) get no answer, as before
    assert _reply(service, clock, "你好", "13700000000") == ("rejected", "unknown sender")
    assert _sms(store, "13700000000") == []
    # a second reply to that rating: over the day's SMS limit it is not explained, and not
    # marked explained, so the next one is; then never again, on this day or the next
    assert _reply(service, clock, "9") == (
        "rejected", "already rated (answered); not explained: the number had 6 SMS today (the limit)")
    clock.advance(days=1)
    for text in ("1", "5"):
        assert _reply(service, clock, text)[0] == "rejected"
    clock.advance(days=1)
    assert _reply(service, clock, "2")[0] == "rejected"
    assert _whys(composer) == ["never_asked", "out_of_range", "unknown_reply", "already"]
    assert _reply(service, clock, "谢谢") == ("rejected", "unknown sender")  # words after rating: no answer
    assert service.get(tid).satisfaction == 5
    # a new ticket's rating: the same mistakes about it are explained again, once each
    second = _done(service, clock)
    for text in ("6", "66", "嗯", "嗯嗯", "3", "3", "4"):
        _reply(service, clock, text)
    assert _whys(composer)[4:] == ["out_of_range", "unknown_reply", "already"]
    assert (service.get(second).satisfaction, service.get(tid).satisfaction) == (3, 5)
    # every reply is stored with what was done about it
    with store.session() as s:
        rows = s.scalars(select(SmsIn).where(SmsIn.number == MOBILE).order_by(SmsIn.id)).all()
        assert len(rows) == 18 and [r.outcome for r in rows].count("acted") == 2
        assert [r.reason.rsplit("; ", 1)[-1] for r in rows if r.outcome == "rejected"][-6:] == [
            "explained", "explained before"] * 3
    # a number never asked: once a day
    stranger = "13600000000"
    for _ in range(2):
        _reply(service, clock, "5", stranger)
    clock.advance(days=1)
    _reply(service, clock, "5", stranger)
    assert [k for k, _t in _sms(store, stranger)] == ["rq_explain", "rq_explain"]


def test_stop_opts_out_and_nothing_more_is_sent(service: TicketService, store: Store,
                                                clock: FixedClock, composer: PlainComposer) -> None:
    first = _done(service, clock)
    assert _reply(service, clock, "退订") == ("acted", "opted out of SMS")
    assert _reply(service, clock, "TD") == ("acted", "already opted out")
    assert _whys(composer) == ["opted_out"]  # confirmed once
    second = _done(service, clock)
    assert _sms(store) == [("rq_dispatch", first), ("rq_done", first), ("rq_explain", None)]
    notes = [e.note for e in service.get(second).timeline if e.action == "requester_sms"]
    assert notes == ["no SMS to the requester (dispatch): the number opted out of SMS",
                     "no SMS to the requester (done): the number opted out of SMS"]
    with store.session() as s:
        row = s.scalar(select(RequesterNumber).where(RequesterNumber.number == MOBILE))
        assert row.opted_out_at is not None and row.opt_out_via == "sms"


def test_the_daily_limit_per_number(store: Store, clock: FixedClock, catalog: Catalog,
                                    calendar: BusinessCalendar, composer: PlainComposer) -> None:
    three = AssessmentConfig.from_dict({"requester": {"daily_limit": 3}})
    service = TicketService(store, clock, catalog, calendar, composer, assessment=three)
    a = _done(service, clock)
    b = _done(service, clock)
    assert [k for k, _t in _sms(store)] == ["rq_dispatch", "rq_done", "rq_dispatch"]
    assert [e.note for e in service.get(b).timeline if e.action == "requester_sms"][-1] == (
        "no SMS to the requester (done): the number had 3 SMS today (the limit)")
    with store.session() as s:
        assert [r.ticket_id for r in s.scalars(select(RatingRequest))] == [a]  # not asked: not sent
    clock.advance(days=1)
    _done(service, clock)
    assert len(_sms(store)) == 5


def test_a_workers_number_keeps_its_meaning_unless_it_rates_an_open_request(
        service: TicketService, store: Store, clock: FixedClock) -> None:
    worker = "13800000002"  # W002, who reported a fault himself
    tid = _done(service, clock, phone=worker)
    assert _reply(service, clock, "5", worker) == ("acted", "rating 5")
    assert service.get(tid).satisfaction == 5
    # no rating open any more: a bare digit is the worker's (unreadable) reply again
    assert _reply(service, clock, "3", worker) == ("rejected", "unreadable: a number alone")
    assert _reply(service, clock, "7", worker) == ("rejected", "unreadable: a number alone")


def test_a_reply_outside_the_window_or_after_a_reopen_or_a_phone_call_back_changes_nothing(
        service: TicketService, store: Store, clock: FixedClock, composer: PlainComposer) -> None:
    old = _done(service, clock)
    clock.advance(days=8)
    assert _reply(service, clock, "5")[0] == "rejected"
    assert _whys(composer) == ["never_asked"] and service.get(old).satisfaction is None
    reopened = _done(service, clock)
    service.reopen("li", reopened, "又坏了")
    assert _reply(service, clock, "4")[0] == "rejected"
    called = _done(service, clock, phone="13912340000")
    service.record_callback("li", called, 2, "电话回访")
    assert _reply(service, clock, "5", "13912340000")[0] == "rejected"
    assert service.get(called).satisfaction == 2
    with store.session() as s:
        statuses = dict(s.execute(select(RatingRequest.ticket_id, RatingRequest.status)).all())
        assert statuses == {old: "asked", reopened: "void", called: "void"}
        assert s.scalar(select(Ticket.satisfaction).where(Ticket.id == reopened)) is None


def test_the_same_message_read_twice_acts_once(service: TicketService, clock: FixedClock) -> None:
    tid = _done(service, clock)
    at = clock.now() + timedelta(seconds=3)
    first = service.handle_inbound_sms("m1", MOBILE, "5", None, at, "")
    again = service.handle_inbound_sms("m1", MOBILE, "5", None, at, "")
    assert (first.outcome, again.outcome, again.inbox_id) == ("acted", "duplicate", first.inbox_id)
    assert service.get(tid).satisfaction == 5

