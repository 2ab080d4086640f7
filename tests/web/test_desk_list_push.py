"""The desk's first page of open tickets comes on its live stream (``list`` events) after
tickets change: the page ``GET /desk/list`` gives, once per burst of changes, and only when it
changed for that stream."""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from ticketing.model import OrgUnit
from ticketing.service import NewTicket, TicketService

from .conftest import ThreadedServer, Web

LIST_PUSH = "/api/events?kinds=pop,ticket,list"


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


class Stream:
    """One desk's event stream read in a thread: (event, data, monotonic time) as they come."""

    def __init__(self, server: ThreadedServer, cookie: str, path: str) -> None:
        self.events: queue.Queue[tuple[str, Any, float]] = queue.Queue()
        self.hello = threading.Event()
        self.stop = False
        self.thread = threading.Thread(target=self._read, args=(server.url, cookie, path), daemon=True)
        self.thread.start()
        assert self.hello.wait(10), "the stream did not open"

    def _read(self, url: str, cookie: str, path: str) -> None:
        event = ""
        try:
            with httpx.Client(base_url=url, cookies={"onestop_session": cookie}, timeout=30) as h, \
                    h.stream("GET", path) as resp:
                for line in resp.iter_lines():
                    if self.stop:
                        return
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event == "hello":
                        self.hello.set()
                    elif line.startswith("data:") and event != "ping":
                        self.events.put((event, json.loads(line.split(":", 1)[1]), time.monotonic()))
        except httpx.HTTPError:  # the server stopped under the stream at the test's end
            return

    def until(self, kind: str, timeout: float = 5.0) -> tuple[Any, list[str]]:
        """The next ``kind`` event's data, and the kinds of every event read before it."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                event, data, _ = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {kind} event in {timeout} s (saw {seen})") from None
            if event == kind:
                return data, seen
            seen.append(event)

    def within(self, seconds: float) -> list[tuple[str, Any]]:
        """Every event that comes in the next ``seconds``."""
        out: list[tuple[str, Any]] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                event, data, _ = self.events.get(timeout=left)
            except queue.Empty:
                break
            out.append((event, data))
        return out


@dataclass
class Desk:
    """An operator's desk on the served app: the service and change feed behind it, its log-in
    and its streams."""

    svc: TicketService
    feed: Any
    op: Any  # the operator's client (logged in)
    server: ThreadedServer

    def stream(self, path: str = LIST_PUSH) -> Stream:
        return Stream(self.server, self.op.cookies["onestop_session"], path)


@pytest.fixture
def desk(web: Web, web_served: ThreadedServer) -> Desk:
    return Desk(web.deps.service, web.client.app.state.web.feed,  # type: ignore[attr-defined]
                web.login("operator", client=web.new_client()), web_served)


def test_the_first_page_comes_on_the_stream_after_a_change_as_the_list_gives_it(
        web: Web, desk: Desk) -> None:
    svc, feed, op = desk.svc, desk.feed, desk.op
    stream = desk.stream()

    tid = svc.accept("dispatcher", NewTicket(service_type="repair", location_code="10305",
                                             description="3楼护士站灯管不亮")).id
    assert feed.poll_once() >= 1  # another process's change, as the feed reads it
    pushed, before = stream.until("list")
    assert before == ["ticket"]  # the ticket's event first, the list a moment later
    listed = op.get("/desk/list")
    assert pushed["etag"] == listed.headers["etag"] and pushed["html"] == listed.text
    assert ids(pushed["html"]) == [tid] and "3楼护士站灯管不亮" in pushed["html"]

    # a change the list does not show (the department): a ticket event, no list
    with web.deps.store.session() as s:
        code = s.scalars(select(OrgUnit.code).order_by(OrgUnit.code)).first()
    svc.edit("dispatcher", tid, org_code=code)
    assert feed.poll_once() >= 1
    got = stream.within(1.6)
    assert [e for e, _ in got] == ["ticket"], got
    stream.stop = True


def test_a_burst_of_changes_makes_one_or_two_pushes_and_the_last_has_them_all(
        desk: Desk) -> None:
    svc, feed = desk.svc, desk.feed
    stream = desk.stream()
    made = []
    for n in range(5):  # five tickets in a quarter of a second, each read by its own poll
        made.append(svc.accept("dispatcher", NewTicket(service_type="cleaning", location_code="10305",
                                                       description=f"第{n}间病房")).id)
        feed.poll_once()
        time.sleep(0.05)
    got = stream.within(2.5)
    lists = [d for e, d in got if e == "list"]
    assert [e for e, _ in got].count("ticket") == 5
    assert 1 <= len(lists) <= 2, [e for e, _ in got]  # 0.25 s after the first, then ≥ 1 s apart
    assert sorted(ids(lists[-1]["html"])) == sorted(made)
    stream.stop = True


def test_a_stream_asking_only_for_its_list_gets_no_ticket_events(desk: Desk) -> None:
    svc, feed = desk.svc, desk.feed
    stream = desk.stream("/api/events?kinds=list")
    tid = svc.accept("dispatcher", NewTicket(service_type="repair", location_code="10305")).id
    feed.poll_once()
    pushed, before = stream.until("list")
    assert before == [] and ids(pushed["html"]) == [tid]
    # the default streams do not carry the list
    plain = desk.stream("/api/events")
    svc.accept("dispatcher", NewTicket(service_type="repair", location_code="10305"))
    feed.poll_once()
    assert "list" not in [e for e, _ in plain.within(1.6)]
    stream.stop = plain.stop = True
