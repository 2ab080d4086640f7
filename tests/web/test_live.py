"""LiveHub fan-out and the change feed."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ticketing.fakes import FixedClock
from ticketing.model import AuditLog
from ticketing.service import NewTicket, TicketService, WorkerReply
from ticketing.store import Store
from web.app import create_app
from web.feed import ChangeFeed
from web.live import LiveHub

from .conftest import Web, make_deps, web_settings


def _drain(q: asyncio.Queue) -> list[dict]:  # type: ignore[type-arg]
    out = []
    while not q.empty():
        out.append(q.get_nowait())
    return out


def test_pops_go_to_their_operator_and_updates_to_all() -> None:
    async def main() -> None:
        hub = LiveHub()
        li = hub.subscribe("li", "operator")
        wang = hub.subscribe("wang", "operator")
        wall = hub.subscribe("screen", "viewer", frozenset({"wallboard"}))
        hub.publish_pop("li", {"caller_num": "6123"})
        hub.publish_ticket({"id": 1})
        hub.publish_wallboard({"calls_waiting": 2})
        assert [m["type"] for m in _drain(li.queue)] == ["pop", "ticket", "wallboard"]
        assert [m["type"] for m in _drain(wang.queue)] == ["ticket", "wallboard"]
        assert [m["type"] for m in _drain(wall.queue)] == ["wallboard"]
        assert hub.last_cti == {"calls_waiting": 2}

    asyncio.run(main())


def test_publish_from_another_thread_is_delivered_on_the_loop() -> None:
    async def main() -> None:
        hub = LiveHub()
        hub.bind(asyncio.get_running_loop())
        c = hub.subscribe("li", "operator")
        threads = [threading.Thread(target=lambda i=i: [hub.publish_pop("li", {"n": i * 100 + k})
                                                          for k in range(50)]) for i in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        got = []
        while len(got) < 200:
            got.append(await asyncio.wait_for(c.queue.get(), 2))
        assert sorted(m["data"]["n"] for m in got) == sorted(i * 100 + k for i in range(4) for k in range(50))

    asyncio.run(main())


def test_a_slow_client_loses_its_oldest_and_is_told() -> None:
    async def main() -> None:
        hub = LiveHub(queue_size=5)
        slow = hub.subscribe("li", "operator")
        fast = hub.subscribe("wang", "operator")
        for i in range(12):
            hub.publish_ticket({"id": i})
            _drain(fast.queue)
        assert slow.dropped == 7 and hub.dropped_total == 7
        stream = hub.stream(slow, heartbeat_s=0.05)
        first = await stream.__anext__()
        assert first == {"type": "dropped", "data": {"missed": 7}}
        rest = [await stream.__anext__() for _ in range(5)]
        assert [m["data"]["id"] for m in rest] == [7, 8, 9, 10, 11]
        assert (await stream.__anext__())["type"] == "ping"
        await stream.aclose()
        assert hub.clients() == [fast]

    asyncio.run(main())


def test_close_ends_every_stream() -> None:
    async def main() -> None:
        hub = LiveHub()
        c = hub.subscribe("li", "operator")
        seen = []

        async def read() -> None:
            async for msg in hub.stream(c):
                seen.append(msg["type"])

        task = asyncio.create_task(read())
        await asyncio.sleep(0.01)
        hub.close()
        await asyncio.wait_for(task, 1)
        assert seen == ["bye"] and hub.clients() == []

    asyncio.run(main())


def test_change_feed_publishes_a_worker_reply_made_outside_the_web(web: Web) -> None:
    service: TicketService = web.deps.service
    tk = service.accept("li", NewTicket(service_type="repair", location_code="10305"))
    service.dispatch("li", tk.id, ["W001"])
    feed = web.client.app.state.web.feed  # type: ignore[attr-defined]
    published: list[dict] = []  # type: ignore[type-arg]
    web.deps.hub.publish_ticket = published.append  # type: ignore[method-assign]
    out = service.handle_inbound_sms("modem1", "13800000001", "1 accept", WorkerReply("accept", tk.id),
                                     datetime(2026, 11, 23, 1, 5, tzinfo=UTC))
    assert out.outcome == "acted"
    assert feed.poll_once() == 1
    assert published[-1]["id"] == tk.id and published[-1]["assignee"] == "W001"
    assert feed.poll_once() == 0, "nothing new, nothing published"


def test_the_feed_is_marked_before_the_app_serves(hospital: Store, service: TicketService, clock: FixedClock,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # marked in the app's start-up, not in its background task (held here): a change made by
    # the first request, or by a worker's SMS a moment after start, is new to the feed
    async def held(self: ChangeFeed) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(ChangeFeed, "run", held)
    service.accept("li", NewTicket(service_type="repair", location_code="10305"))
    with hospital.session() as s:
        last = s.scalar(select(func.max(AuditLog.id)))
    deps = make_deps(hospital, service, clock, web_settings(tmp_path))
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        feed = client.app.state.web.feed  # type: ignore[attr-defined]
        assert last and feed._last_audit == last
        service.accept("li", NewTicket(service_type="repair", location_code="10305"))
        assert feed.poll_once() == 1


def test_a_feed_that_could_not_mark_at_start_marks_on_its_first_poll(web: Web) -> None:
    service: TicketService = web.deps.service
    feed = web.client.app.state.web.feed  # type: ignore[attr-defined]
    feed._last_audit = None  # as after a start-up with the store away
    service.accept("li", NewTicket(service_type="repair", location_code="10305"))
    assert feed.poll_once() == 0, "what changed before the feed knew where to start is not replayed"
    service.accept("li", NewTicket(service_type="repair", location_code="10305"))
    assert feed.poll_once() == 1


def test_a_message_is_encoded_once_per_masking_for_every_stream() -> None:
    from web.api.events import frame
    from web.masking import redact

    msg = {"type": "ticket", "data": {"id": 7, "reporter_phone": "13812345678", "description": "请回电 13812345678"}}
    seen = frame(msg, False, lambda v: redact(v, False, ()))
    masked = frame(msg, True, lambda v: redact(v, True, ()))
    assert seen.startswith(b"event: ticket\r\ndata: ") and seen.endswith(b"\r\n\r\n")
    assert b"13812345678" in seen and b"13812345678" not in masked and b"138****5678" in masked
    # the next stream gets the same bytes; the redaction is not run again
    assert frame(msg, True, lambda v: pytest.fail("encoded twice")) is masked


def test_a_change_committed_after_a_later_one_was_read_is_still_published(web: Web) -> None:
    """PostgreSQL numbers audit rows as they are inserted: a slow transaction's row can commit
    below the largest id the feed has already read (made here with explicit ids)."""
    from sqlalchemy import insert, update

    from ticketing.model import Ticket

    service: TicketService = web.deps.service
    a = service.accept("li", NewTicket(service_type="repair", location_code="10305")).id
    b = service.accept("li", NewTicket(service_type="repair", location_code="10305")).id
    feed = web.client.app.state.web.feed  # type: ignore[attr-defined]
    feed.poll_once()
    published: list[dict] = []  # type: ignore[type-arg]
    web.deps.hub.publish_ticket = published.append  # type: ignore[method-assign]
    with web.deps.store.session() as s:
        top = s.scalar(select(func.max(AuditLog.id)))

    def change(ticket: int, audit_id: int) -> None:  # a command's commit: the ticket and its row
        with web.deps.store.session() as s:
            s.execute(update(Ticket).where(Ticket.id == ticket).values(version=Ticket.version + 1))
            s.execute(insert(AuditLog).values(id=audit_id, at=datetime.now(UTC), actor="li", entity="ticket",
                                              entity_key=str(ticket), action="note", before=None, after=None))

    change(a, top + 10)
    assert feed.poll_once() == 1 and [t["id"] for t in published] == [a]
    change(b, top + 5)  # committed after top + 10 was read
    assert feed.poll_once() == 1 and [t["id"] for t in published] == [a, b]
    assert feed.poll_once() == 0, "read back, not published again"


def test_the_hub_says_whether_any_stream_takes_a_kind() -> None:
    async def main() -> None:
        hub = LiveHub()
        desk = hub.subscribe("operator", "operator", frozenset({"pop", "ticket"}))
        assert not hub.wants("wallboard") and hub.wants("ticket")
        wall = hub.subscribe("viewer", "viewer", frozenset({"wallboard"}))
        assert hub.wants("wallboard")
        hub.unsubscribe(wall)
        hub.unsubscribe(desk)
        assert not hub.wants("ticket")

    asyncio.run(main())
