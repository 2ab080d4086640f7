"""Chat bots' subscriptions through the real core and the sender, to robots on loopback: a
DingTalk robot gets the ticket's events as markdown, signed in its URL (checked here with the
robot's own algorithm); a WeCom robot that answers ``errcode`` ≠ 0 with HTTP 200 has not taken
the message — the attempt is logged as failed with the robot's code and tried again, and a
robot that keeps refusing ends ``failed``; a Feishu robot gets English words when the
subscription asks for them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from hooks.sender import WebhookSender
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import PlainComposer
from ticketing.outbox import Backoff
from ticketing.ports import SystemClock
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store
from ticketing.webhooks import Webhooks

from ..ticketing.factories import small_hospital
from .driving import deliveries, send_until
from .robot import Robot

SECRET = "SECdingtalk-robot-secret-0123456789abcdef"


@pytest.fixture
def world(store: Store, catalog: Catalog, calendar: BusinessCalendar) -> tuple[Webhooks, TicketService]:
    small_hospital(store)
    clock = SystemClock()
    return (Webhooks(store, clock, Backoff(base_s=0.05, cap_s=0.2, max_attempts=3), lease=timedelta(seconds=30),
                     catalog=catalog),
            TicketService(store, clock, catalog, calendar, PlainComposer()))


@pytest.fixture
def robot() -> Iterator[Robot]:
    with Robot() as r:
        yield r


def _ticket(service: TicketService) -> int:
    t = service.accept("li", NewTicket("repair", "灯不亮", location_code="10305", reporter_phone="13800000009"))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    return t.id


def test_a_dingtalk_robot_gets_the_events_signed_in_its_url(world: tuple[Webhooks, TicketService],
                                                            robot: Robot, store: Store) -> None:
    hooks, service = world
    hooks.create("admin", {"name": "后勤群", "url": robot.url + "/robot/send?access_token=t0k",
                           "events": ["ticket.created", "ticket.status_changed"], "format": "dingtalk",
                           "secret": SECRET})
    hooks.pump()
    tid = _ticket(service)
    assert hooks.pump() == 2
    send_until(WebhookSender(hooks, "test", timeout_s=5), lambda: all(d.status == "delivered" for d in deliveries(store)))
    assert len(robot.hits) == 2
    for hit in robot.hits:
        parts = urlsplit(hit.path)
        query = parse_qs(parts.query)
        assert parts.path == "/robot/send" and query["access_token"] == ["t0k"]
        [timestamp], [sign] = query["timestamp"], query["sign"]
        assert abs(int(timestamp) / 1000 - time.time()) < 60  # milliseconds, now
        expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                             hashlib.sha256).digest()).decode()
        assert sign == expected
        assert hit.body["msgtype"] == "markdown"
    # the sender posts what is due at once: the two may arrive in either order
    by_event = {h.headers["x-onestop-event"]: h.body["markdown"] for h in robot.hits}
    created, changed = by_event["ticket.created"], by_event["ticket.status_changed"]
    assert created["title"] == f"新工单 #{tid}"
    assert created["text"] == f"### 新工单 #{tid}\n> **服务**：维修\n> **地点**：1号楼 3F 护士站\n> **状态**：受理"
    assert changed["text"].endswith("> **状态**：受理 → 派发")
    assert "13800000009" not in str(robot.hits)  # no caller's number in a chat message


def test_a_wecom_robots_errcode_with_http_200_is_a_failed_attempt_tried_again(
        world: tuple[Webhooks, TicketService], robot: Robot, store: Store) -> None:
    hooks, service = world
    hooks.create("admin", {"name": "企业微信群", "url": robot.url + "/cgi-bin/webhook/send?key=k",
                           "events": ["ticket.created"], "format": "wecom"})
    hooks.pump()
    robot.script.append((200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
    assert hooks.pump() == 1
    sender = WebhookSender(hooks, "test", timeout_s=5)
    send_until(sender, lambda: deliveries(store)[0].status != "queued")
    [first] = deliveries(store)
    assert (first.status, first.attempts, first.status_code) == ("retry", 1, 200)
    assert first.error == "robot refused: code 45009: api freq out of limit"
    assert sender.stats["delivered"] == 0 and sender.stats["retry"] == 1
    send_until(WebhookSender(hooks, "test", timeout_s=5), lambda: deliveries(store)[0].status == "delivered")
    [done] = deliveries(store)
    assert (done.status, done.attempts, done.error) == ("delivered", 2, "")
    assert [h.body["msgtype"] for h in robot.hits] == ["markdown", "markdown"]


def test_a_robot_that_keeps_refusing_ends_failed_with_its_answer_logged(
        world: tuple[Webhooks, TicketService], robot: Robot, store: Store) -> None:
    hooks, service = world
    robot.ok = {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
    hooks.create("admin", {"name": "Feishu", "url": robot.url + "/open-apis/bot/v2/hook/x",
                           "events": ["ticket.created"], "format": "feishu", "secret": "wrong-secret-123"})
    hooks.pump()
    service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
    hooks.pump()
    send_until(WebhookSender(hooks, "test", timeout_s=5), lambda: deliveries(store)[0].status == "failed")
    [row] = deliveries(store)
    assert row.attempts == 3 and row.error.startswith("robot refused: code 19021: sign match fail")
    assert len(robot.hits) == 3


def test_a_feishu_card_in_english(world: tuple[Webhooks, TicketService], robot: Robot, store: Store) -> None:
    hooks, service = world
    robot.ok = {"code": 0, "msg": "success", "data": {}}
    hooks.create("admin", {"name": "Lark", "url": robot.url + "/open-apis/bot/v2/hook/x",
                           "events": ["ticket.created"], "format": "feishu", "language": "en"})
    hooks.pump()
    tid = service.accept("li", NewTicket("repair", "灯不亮", location_code="10305")).id
    hooks.pump()
    send_until(WebhookSender(hooks, "test", timeout_s=5), lambda: deliveries(store)[0].status == "delivered")
    [hit] = robot.hits
    assert "sign" not in hit.body  # no secret given: the robot checks none
    card = hit.body["card"]
    assert hit.body["msg_type"] == "interactive" and card["header"]["title"]["content"] == f"New ticket #{tid}"
    assert card["elements"][0]["text"]["content"] == (
        "> **Service**: Repair\n> **Place**: 1号楼 3F 护士站\n> **Status**: Accepted")
