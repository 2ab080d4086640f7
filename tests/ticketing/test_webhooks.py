"""Webhooks in the core: subscriptions checked and audited without their secret; the feed
reader turns ticket steps (from their audit rows) and finished calls into deliveries for the
subscriptions that want them, resumes from its stored cursor after a restart or a crash, never
doubles with two readers racing, and on PostgreSQL never skips a transaction that commits
late; the deliveries are an outbox with leases and back-off."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ticketing import event_feed
from ticketing.audit import history
from ticketing.calls import CallFacts, record_call
from ticketing.commands import intake
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model_facilities import WebhookDelivery
from ticketing.outbox import Backoff
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store
from ticketing.webhooks import WebhookError, Webhooks

from ..conftest import PG_URL
from .factories import small_hospital

ALL = ["ticket.created", "ticket.status_changed", "ticket.escalated", "call.answered", "call.abandoned"]


@pytest.fixture
def hooks(store: Store, clock: FixedClock) -> Webhooks:
    small_hospital(store)
    return Webhooks(store, clock, Backoff(base_s=10, cap_s=600, max_attempts=3),
                    lease=timedelta(seconds=60))


def _sub(hooks: Webhooks, events: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    return hooks.create("admin", {"name": "HIS", "url": "https://his.example/onestop",
                                  "events": ALL if events is None else events, **kw})


def _deliveries(store: Store, sub_id: int | None = None) -> list[WebhookDelivery]:
    with store.session() as s:
        stmt = select(WebhookDelivery).order_by(WebhookDelivery.id)
        if sub_id:
            stmt = stmt.where(WebhookDelivery.subscription_id == sub_id)
        return list(s.scalars(stmt))


def _ticket(service: TicketService, phone: str = "6123") -> int:
    return service.accept("li", NewTicket("repair", "灯不亮", location_code="10305", reporter_phone=phone)).id


def test_subscriptions_are_checked_and_audited_without_their_secret(hooks: Webhooks, store: Store) -> None:
    made = _sub(hooks)
    assert len(made["secret"]) >= 40 and made["events"] == ALL
    listed = hooks.subscriptions()
    assert "secret" not in listed[0] and listed[0]["secret_hint"] == "…" + made["secret"][-4:]
    again = hooks.update("admin", made["id"], {"new_secret": True, "events": ["ticket.created"]})
    assert again["secret"] != made["secret"] and again["events"] == ["ticket.created"]
    with store.session() as s:
        rows = history(s, "webhook_subscription", made["id"])
    assert [r.action for r in rows] == ["create", "edit"]
    assert made["secret"] not in str([(r.before, r.after) for r in rows])
    assert again["secret"] not in str([(r.before, r.after) for r in rows])
    assert rows[1].after["secret"] == "(new)"
    for bad, words in (({"url": "ftp://x"}, "url: "), ({"url": "https:// x"}, "url: "),
                       ({"events": []}, "events: "), ({"events": ["ticket.deleted"]}, "unknown ticket.deleted"),
                       ({"name": ""}, "name: "), ({"secret": "short"}, "secret: 16 to 200"),
                       ({"active": "yes"}, "active: true or false")):
        with pytest.raises(WebhookError, match=words):
            _sub(hooks, **bad)


def test_ticket_steps_and_calls_become_events_for_whoever_wants_them(
        hooks: Webhooks, service: TicketService, store: Store, clock: FixedClock) -> None:
    everything = _sub(hooks)
    created_only = _sub(hooks, ["ticket.created"], personal=True)
    assert hooks.pump() == 0  # the feed starts now
    t = _ticket(service)
    service.dispatch("li", t, ["W001"], print_slip=False)
    service.worker_accept("sms", t, "W001")  # stays dispatched: no status change
    service.start("sms", t, "W001")
    service.escalate("lead", t, "业主催办")
    service.complete("sms", t, note="换灯管")
    start = clock.now()
    with store.session() as s:
        for uid, outcome in (("c1", "answered"), ("c2", "abandoned"), ("c3", "ended_in_ivr")):
            record_call(s, CallFacts(uid, start, caller_num="13800000009", outcome=outcome,
                                     answered_at=start if outcome == "answered" else None,
                                     ended_at=start + timedelta(seconds=30)))
    assert hooks.pump() == 8
    got = [(d.event, d.event_key.split(":")[0]) for d in _deliveries(store, everything["id"])]
    assert got == [("ticket.created", "audit"), ("ticket.status_changed", "audit"),
                   ("ticket.status_changed", "audit"), ("ticket.escalated", "audit"),
                   ("ticket.status_changed", "audit"), ("call.answered", "call"), ("call.abandoned", "call")]
    moves = [(d.payload["from"], d.payload["to"], d.payload["action"]) for d in _deliveries(store, everything["id"])
             if d.event == "ticket.status_changed"]
    assert moves == [("accepted", "dispatched", "dispatch"), ("dispatched", "in_progress", "start"),
                     ("in_progress", "done", "complete")]
    first = _deliveries(store, everything["id"])[0].payload
    assert first["ticket"]["id"] == t and first["ticket"]["reporter_phone"] == "6***"  # masked
    assert first["actor"] == "li" and first["ticket"]["service_type"] == "repair"
    call = _deliveries(store, everything["id"])[5].payload["call"]
    assert call["uniqueid"] == "c1" and call["caller_num"] == "138****0009"
    [only] = _deliveries(store, created_only["id"])
    assert only.event == "ticket.created" and only.payload["ticket"]["reporter_phone"] == "6123"
    assert hooks.pump() == 0


def test_the_feed_resumes_after_a_restart_or_a_crash_and_never_doubles(
        hooks: Webhooks, service: TicketService, store: Store, db_url: str, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _sub(hooks, ["ticket.created"])
    hooks.pump()
    tickets = [_ticket(service) for _ in range(5)]
    assert hooks.pump(limit=2) == 2
    real_move = event_feed._move

    def crash(*args: Any) -> None:
        raise RuntimeError("killed before the commit")

    monkeypatch.setattr(event_feed, "_move", crash)
    with pytest.raises(RuntimeError):
        hooks.pump()
    monkeypatch.setattr(event_feed, "_move", real_move)
    assert len(_deliveries(store)) == 2  # the crashed batch left nothing
    again = Store(db_url)  # a restarted process
    try:
        assert Webhooks(again, clock).pump() == 3
    finally:
        again.dispose()
    assert [d.payload["ticket"]["id"] for d in _deliveries(store)] == tickets


def test_two_readers_racing_make_each_delivery_once(hooks: Webhooks, service: TicketService, store: Store,
                                                    db_url: str, clock: FixedClock) -> None:
    _sub(hooks, ["ticket.created", "ticket.status_changed"])
    hooks.pump()
    for _ in range(10):
        service.dispatch("li", _ticket(service), ["W001"], print_slip=False)
    stores = [Store(db_url) for _ in range(4)]
    barrier = threading.Barrier(4)
    made: list[int] = []

    def read(st: Store) -> None:
        barrier.wait()
        made.append(sum(Webhooks(st, clock).pump(limit=3) for _ in range(10)))

    threads = [threading.Thread(target=read, args=(st,)) for st in stores]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    finally:
        for st in stores:
            st.dispose()
    keys = [d.event_key for d in _deliveries(store)]
    assert sum(made) == 20 and len(keys) == 20 and len(set(keys)) == 20


def test_events_before_a_subscription_are_not_sent_to_it(hooks: Webhooks, service: TicketService,
                                                         store: Store, clock: FixedClock) -> None:
    early = _sub(hooks, ["ticket.created"])
    hooks.pump()
    _ticket(service)
    clock.advance(seconds=1)
    late = _sub(hooks, ["ticket.created"])
    _ticket(service)
    hooks.pump()
    assert len(_deliveries(store, early["id"])) == 2 and len(_deliveries(store, late["id"])) == 1


def test_nobody_listening_makes_nothing_and_the_cursor_moves_on(hooks: Webhooks, service: TicketService,
                                                                store: Store) -> None:
    hooks.pump()
    _ticket(service)
    assert hooks.pump() == 0
    sub = _sub(hooks, ["ticket.created"])
    sub_made = hooks.pump()
    assert sub_made == 0 and _deliveries(store, sub["id"]) == []  # the old ticket is not replayed


def test_the_outbox_leases_retries_with_backoff_then_fails(hooks: Webhooks, clock: FixedClock) -> None:
    sub = _sub(hooks)
    delivery = hooks.ping("admin", sub["id"])
    [d] = hooks.claim("w1")
    assert (d.id, d.event, d.attempts, d.url) == (delivery, "ping", 1, "https://his.example/onestop")
    assert hooks.claim("w2") == []  # leased
    assert hooks.mark_failed(d.id, "HTTP 500", retry=True, status_code=500, latency_ms=12) == "retry"
    assert hooks.claim("w1") == []  # 10 s back-off
    clock.advance(seconds=10)
    [d] = hooks.claim("w1")
    assert hooks.mark_failed(d.id, "HTTP 503", retry=True, status_code=503, retry_after_s=90) == "retry"
    clock.advance(seconds=89)
    assert hooks.claim("w1") == []  # the receiver asked for 90 s, more than the 20 s back-off
    clock.advance(seconds=1)
    [d] = hooks.claim("w1")
    assert d.attempts == 3
    assert hooks.mark_failed(d.id, "no answer within 10 s", retry=True) == "failed"  # max 3
    log = hooks.deliveries(sub["id"])["rows"]
    assert [(r["status"], r["attempts"], r["status_code"], r["error"]) for r in log] == [
        ("failed", 3, None, "no answer within 10 s")]
    hooks.redeliver("admin", d.id)
    [d] = hooks.claim("w1")
    hooks.mark_delivered(d.id, 204, 35)
    log = hooks.deliveries(sub["id"])["rows"]
    assert [(r["status"], r["status_code"], r["latency_ms"], r["error"]) for r in log] == [("delivered", 204, 35, "")]
    with pytest.raises(WebhookError, match="delivery"):
        hooks.redeliver("admin", 999)


def test_a_dead_senders_lease_runs_out_and_the_same_delivery_goes_again(hooks: Webhooks, clock: FixedClock) -> None:
    sub = _sub(hooks)
    delivery = hooks.ping("admin", sub["id"])
    [first] = hooks.claim("dead")
    clock.advance(seconds=61)
    [again] = hooks.claim("alive")
    assert (again.id, again.attempts) == (first.id, 2) == (delivery, 2)
    hooks.update("admin", sub["id"], {"active": False})
    hooks.ping("admin", sub["id"])
    clock.advance(seconds=61)
    assert hooks.claim("alive") == []  # a stopped subscription's deliveries wait


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: ids drawn before commit")
def test_on_postgresql_a_transaction_committing_late_is_not_skipped(
        hooks: Webhooks, service: TicketService, store: Store, db_url: str, clock: FixedClock) -> None:
    """Ticket A's transaction draws its audit id first and commits last; ticket B's commits in
    between. A reader that took B's id as its horizon would move past A's for good."""
    _sub(hooks, ["ticket.created"])
    hooks.pump()
    inside, release = threading.Event(), threading.Event()
    other = Store(db_url)
    a_service = TicketService(other, clock, service.catalog, service.calendar, PlainComposer())

    def slow_a() -> None:
        with other.tx(clock.now) as tx:
            intake.accept(a_service, tx, "li", NewTicket("repair", "A", location_code="10305"))
            inside.set()
            assert release.wait(30)

    a = threading.Thread(target=slow_a)
    try:
        a.start()
        assert inside.wait(30)
        # (another service and place: A holds its day's statistics row until it commits)
        b = service.accept("li", NewTicket("transport", "B")).id
        assert hooks.pump() == 0  # A holds the audit log: the reader waits for the next poll
        release.set()
        a.join(30)
    finally:
        release.set()
        other.dispose()
    assert hooks.pump() == 2
    ids = sorted(d.payload["ticket"]["id"] for d in _deliveries(store))
    assert len(ids) == 2 and b in ids


def test_occurred_at_is_the_steps_time(hooks: Webhooks, service: TicketService, store: Store,
                                       clock: FixedClock) -> None:
    _sub(hooks, ["ticket.created"])
    hooks.pump()
    when = clock.now()
    _ticket(service)
    clock.advance(minutes=5)
    hooks.pump()
    [d] = _deliveries(store)
    assert d.occurred_at == when and d.created_at == when + timedelta(minutes=5)
    assert d.occurred_at.tzinfo is UTC or d.occurred_at.utcoffset() == timedelta(0)
    assert isinstance(d.occurred_at, datetime)


def test_numbers_in_free_text_are_masked_unless_the_subscription_may_see_them(
        hooks: Webhooks, service: TicketService, store: Store) -> None:
    masked = _sub(hooks, ["ticket.created", "ticket.status_changed"])
    personal = _sub(hooks, ["ticket.created", "ticket.status_changed"], personal=True)
    hooks.pump()
    t = service.accept("li", NewTicket("repair", "灯不亮，回电 139-0000-0066", location_code="10305",
                                       reporter_phone="6123", reporter_name="王护士 13800000009")).id
    service.cancel("li", t, "13800000009 说已修好")
    hooks.pump()
    plain = [d.payload for d in _deliveries(store, masked["id"])]
    full = [d.payload for d in _deliveries(store, personal["id"])]
    assert plain[0]["ticket"]["description"] == "灯不亮，回电 139****0066"
    assert plain[0]["ticket"]["reporter_name"] == "王护士 138****0009"
    assert plain[0]["ticket"]["reporter_phone"] == "6***"
    assert plain[1]["note"] == "138****0009 说已修好" and plain[1]["to"] == "cancelled"
    assert full[0]["ticket"]["description"] == "灯不亮，回电 139-0000-0066"
    assert full[0]["ticket"]["reporter_name"] == "王护士 13800000009" and full[1]["note"] == "13800000009 说已修好"
    assert plain[0]["ticket"]["location_code"] == "10305" and plain[0]["ticket"]["id"] == t


def test_a_subscription_no_longer_allowed_personal_data_is_sent_none_even_from_older_deliveries(
        hooks: Webhooks, service: TicketService, store: Store, clock: FixedClock) -> None:
    """Made while the subscription was allowed personal data, sent after an administrator took
    that away (queued, or sent again by hand): the numbers go masked, as the rules write them."""
    sub = _sub(hooks, ["ticket.created", "call.answered"], personal=True)
    hooks.pump()
    t = service.accept("li", NewTicket("repair", "灯不亮，回电 139-0000-0066", location_code="10305",
                                       reporter_phone="13800000009", reporter_name="王护士")).id
    with store.session() as s:
        record_call(s, CallFacts("c9", clock.now(), caller_num="13912345678", caller_name="李 13912345678",
                                 outcome="answered", answered_at=clock.now(),
                                 ended_at=clock.now() + timedelta(seconds=20)))
    assert hooks.pump() == 2
    stored = [d.payload for d in _deliveries(store, sub["id"])]
    assert stored[0]["ticket"]["reporter_phone"] == "13800000009", "stored as the subscription stood"

    hooks.update("admin", sub["id"], {"personal": False})
    created, call = sorted(hooks.claim("sender", 10), key=lambda d: d.id)
    assert created.payload["ticket"]["reporter_phone"] == "138****0009"
    assert created.payload["ticket"]["description"] == "灯不亮，回电 139****0066"
    assert created.payload["ticket"]["id"] == t and created.payload["ticket"]["location_code"] == "10305"
    assert call.payload["call"]["caller_num"] == "139****5678"
    assert call.payload["call"]["caller_name"] == "李 139****5678"
    assert call.payload["call"]["uniqueid"] == "c9"
    for d in (created, call):
        hooks.mark_delivered(d.id, 200, 5)

    hooks.redeliver("admin", created.id)  # sent again by hand: masked again
    [again] = hooks.claim("sender", 10)
    assert again.id == created.id and again.payload == created.payload
    hooks.mark_delivered(again.id, 200, 5)

    hooks.update("admin", sub["id"], {"personal": True})  # given back: the numbers as stored
    hooks.redeliver("admin", created.id)
    [full] = hooks.claim("sender", 10)
    assert full.payload["ticket"]["reporter_phone"] == "13800000009"
    assert full.payload["ticket"]["description"] == "灯不亮，回电 139-0000-0066"


# --- chat bots' formats (hooks/chat.py writes their messages) -----------------------------------

def test_a_subscription_chooses_its_format_and_language_and_a_robots_secret_is_its_own(
        hooks: Webhooks, store: Store) -> None:
    wecom = _sub(hooks, format="wecom")
    assert (wecom["format"], wecom["language"], wecom["secret_hint"]) == ("wecom", "zh-CN", "")
    assert "secret" not in wecom  # WeCom robots check no signature: nothing to keep
    ding = _sub(hooks, format="dingtalk", language="en", secret="SEC0123456789abcdef")
    assert "secret" not in ding and ding["secret_hint"] == "…cdef" and ding["language"] == "en"
    unsigned = _sub(hooks, format="feishu")
    assert unsigned["secret_hint"] == ""  # a robot without 签名校验
    generic = _sub(hooks)
    assert generic["format"] == "generic" and len(generic["secret"]) >= 40  # ours, made, shown once
    for bad, words in (({"format": "slack"}, "format: one of generic, wecom"),
                       ({"language": "fr"}, "language: one of zh-CN, en"),
                       ({"format": "dingtalk", "secret": "short"}, "secret: the robot's signing secret")):
        with pytest.raises(WebhookError, match=words):
            _sub(hooks, **bad)
    changed = hooks.update("admin", ding["id"], {"format": "dingtalk_text", "secret": "SECabcdefgh9999"})
    assert (changed["format"], changed["secret_hint"]) == ("dingtalk_text", "…9999")
    cleared = hooks.update("admin", ding["id"], {"secret": ""})
    assert cleared["secret_hint"] == ""
    with store.session() as s:
        trail = history(s, "webhook_subscription", str(ding["id"]))
    assert "SECabcdefgh9999" not in str([(e.before, e.after) for e in trail])
    assert any((e.after or {}).get("format") == "dingtalk_text" for e in trail)


def test_a_chat_bots_claim_carries_the_names_its_message_shows(hooks: Webhooks, service: TicketService,
                                                               store: Store, catalog) -> None:  # type: ignore[no-untyped-def]
    named = Webhooks(store, hooks.clock, hooks.backoff, catalog=catalog)
    zh = _sub(named, ["ticket.status_changed"], format="wecom")
    en = _sub(named, ["ticket.status_changed"], format="feishu_text", language="en")
    generic = _sub(named, ["ticket.status_changed"])
    named.pump()
    tid = _ticket(service)
    service.dispatch("li", tid, ["W001"], print_slip=False)
    named.pump()
    got = {d.subscription_id: d for d in named.claim("w", 10)}
    assert (got[zh["id"]].format, got[zh["id"]].language) == ("wecom", "zh-CN")
    assert got[zh["id"]].context == {"service": "维修", "place": "1号楼 3F 护士站", "from_status": "受理",
                                     "status": "派发"}
    assert got[en["id"]].context == {"service": "Repair", "place": "1号楼 3F 护士站", "from_status": "Accepted",
                                     "status": "Dispatched"}
    assert got[generic["id"]].format == "generic" and got[generic["id"]].context == {}
