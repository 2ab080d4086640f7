"""The webhook sender against a real loopback HTTP receiver and the real core: deliveries
arrive signed (checked with the receiver's own HMAC), 500s and timeouts are tried again with
the same delivery id, a refusal fails at once, ``Retry-After`` is honoured, and a sender
killed with SIGKILL mid-request leaves nothing undelivered: the next one sends it again with
the same id, so the receiver, keeping ids, acts on each exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from hooks.sender import WebhookSender
from ticketing.fakes import PlainComposer
from ticketing.outbox import Backoff
from ticketing.ports import SystemClock
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store
from ticketing.webhooks import Webhooks

from ..ticketing.factories import small_hospital
from .driving import deliveries, send_until
from .receiver import Answer, Receiver

ROOT = Path(__file__).resolve().parents[2]
SECRET = "hospital-his-shared-secret-2026"


@pytest.fixture
def world(store: Store, catalog, calendar) -> tuple[Webhooks, TicketService]:  # type: ignore[no-untyped-def]
    small_hospital(store)
    clock = SystemClock()
    return (Webhooks(store, clock, Backoff(base_s=0.05, cap_s=2.0, max_attempts=4), lease=timedelta(seconds=30)),
            TicketService(store, clock, catalog, calendar, PlainComposer()))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(SECRET) as r:
        yield r


def _subscribe(hooks: Webhooks, url: str) -> int:
    sub = hooks.create("admin", {"name": "HIS", "url": url, "secret": SECRET,
                                 "events": ["ticket.created", "ticket.status_changed"]})
    hooks.pump()  # the feed starts here
    return int(sub["id"])


def _settled(store: Store) -> Callable[[], bool]:
    return lambda: all(d.status in ("delivered", "failed") for d in deliveries(store))


def test_deliveries_arrive_signed_with_their_id_and_event(world, receiver: Receiver, store: Store) -> None:  # type: ignore[no-untyped-def]
    hooks, service = world
    _subscribe(hooks, receiver.url)
    t = service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    assert hooks.pump() == 2
    send_until(WebhookSender(hooks, "test", timeout_s=5), _settled(store))
    got = receiver.wait_for(2)
    rows = deliveries(store)
    assert [r.status for r in rows] == ["delivered", "delivered"]
    assert all(g.signature_ok for g in got)
    assert sorted(g.delivery for g in got) == sorted(str(r.id) for r in rows)
    by_id = {g.delivery: g for g in got}
    for r in rows:
        g = by_id[str(r.id)]
        assert (g.event, g.body["event"], g.body["id"], g.body["attempt"]) == (r.event, r.event, r.id, 1)
        assert g.timestamp == str(g.body["sent_at"]) and abs(time.time() - g.body["sent_at"]) < 60
        assert g.body["data"]["ticket"]["id"] == t.id
        assert (r.status_code, r.attempts, r.error) == (200, 1, "") and r.latency_ms is not None


def test_500s_and_timeouts_are_tried_again_with_the_same_id(world, receiver: Receiver, store: Store) -> None:  # type: ignore[no-untyped-def]
    hooks, service = world
    _subscribe(hooks, receiver.url)
    receiver.script = [Answer(500), Answer(200, delay_s=1.0), Answer(503)]  # then 200
    service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
    hooks.pump()
    send_until(WebhookSender(hooks, "test", timeout_s=0.3), _settled(store))
    [row] = deliveries(store)
    assert (row.status, row.attempts, row.status_code) == ("delivered", 4, 200)
    got = receiver.wait_for(4)
    assert {g.delivery for g in got} == {str(row.id)} and all(g.signature_ok for g in got)
    assert [g.body["attempt"] for g in got] == [1, 2, 3, 4]
    assert len({json.dumps(g.body["data"], sort_keys=True) for g in got}) == 1  # the same event each time
    gaps = [b.at - a.at for a, b in zip(got, got[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[2] >= 0.2  # the back-off: 0.05 s, 0.1 s, 0.2 s at least


def test_a_refusal_fails_at_once_and_retry_after_is_honoured(world, receiver: Receiver, store: Store) -> None:  # type: ignore[no-untyped-def]
    hooks, service = world
    sub = _subscribe(hooks, receiver.url)
    receiver.script = [Answer(400), Answer(429, headers={"Retry-After": "1"})]
    service.accept("li", NewTicket("repair", "一", location_code="10305"))
    hooks.pump()
    send_until(WebhookSender(hooks, "test", timeout_s=5), _settled(store))
    service.accept("li", NewTicket("repair", "二", location_code="10305"))
    hooks.pump()
    send_until(WebhookSender(hooks, "test", timeout_s=5), _settled(store))
    first, second = deliveries(store)
    assert (first.status, first.attempts, first.status_code) == ("failed", 1, 400)
    assert first.error.startswith("HTTP 400")
    assert (second.status, second.attempts) == ("delivered", 2)
    got = receiver.wait_for(3)
    assert got[2].at - got[1].at >= 0.9  # the receiver asked for a second
    log = hooks.deliveries(sub)["rows"]
    assert [(r["status"], r["status_code"]) for r in log] == [("delivered", 200), ("failed", 400)]


def test_an_unreachable_receiver_is_tried_again_then_given_up(world, store: Store) -> None:  # type: ignore[no-untyped-def]
    hooks, service = world
    with Receiver(SECRET) as gone:
        url = gone.url  # a port nobody listens on once it is closed
    _subscribe(hooks, url)
    service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
    hooks.pump()
    send_until(WebhookSender(hooks, "test", timeout_s=2), _settled(store))
    [row] = deliveries(store)
    assert (row.status, row.attempts, row.status_code) == ("failed", 4, None)
    assert "ConnectError" in row.error


def test_a_killed_sender_leaves_each_delivery_to_arrive_exactly_once_by_id(
        world, receiver: Receiver, store: Store, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hooks, service = world
    _subscribe(hooks, receiver.url)
    for i in range(6):
        service.accept("li", NewTicket("repair", f"第{i}单", location_code="10305"))
    held = threading.Event()
    receiver.script = [Answer(), Answer(), Answer(hold=held)]  # the third request hangs
    first = _deliver_process(db_url, tmp_path, "first")
    try:
        receiver.wait_for(3, timeout=90)  # its own feed made the deliveries and began sending (a loaded machine starts it slowly)
        os.kill(first.pid, signal.SIGKILL)  # mid-request: no answer was ever recorded for it
        first.wait(10)
    finally:
        held.set()
        _stop(first)
    assert any(d.status == "sending" for d in deliveries(store))
    second = _deliver_process(db_url, tmp_path, "second")
    try:
        _wait(lambda: all(d.status == "delivered" for d in deliveries(store)) and len(deliveries(store)) == 6, 60)
    finally:
        _stop(second)
    rows = deliveries(store)
    got = receiver.received
    assert {g.delivery for g in got} == {str(r.id) for r in rows}  # every delivery arrived
    assert all(g.signature_ok for g in got)
    seen: dict[str, int] = {}
    for g in got:
        seen[g.delivery] = seen.get(g.delivery, 0) + 1
    again = [d for d, n in seen.items() if n > 1]
    # only what the killed sender held (claimed, its answer not recorded: at most its four) came
    # twice, with its id, so a receiver keeping ids acts on each once; nothing came three times
    assert 1 <= len(again) <= 4 and all(seen[d] == 2 for d in again)
    assert all(seen[str(r.id)] <= r.attempts <= 2 for r in rows)


def _deliver_process(db_url: str, data_dir: Path, name: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update({"ONESTOP_DATABASE_URL": db_url, "ONESTOP_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    with (data_dir / f"{name}.log").open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "onestop", "webhooks", "deliver", "--lease", "2",
                                 "--poll", "0.1", "--timeout", "30"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait(cond: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("not in time")
        time.sleep(0.05)
