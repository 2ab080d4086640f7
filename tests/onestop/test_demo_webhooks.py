"""The demo shows webhooks working: its own receiver, subscribed to every event, gets a new
ticket's events from the center's feed and sender, checks each signature and answers; the
delivery log on /admin/webhooks shows them delivered. The receiver refuses what is not signed
with its secret (checked here with an HMAC written out, not the sender's code)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from config.settings import load_settings
from onestop.actors import DeskRobot
from onestop.demo import DEMO_PASSWORD, running_demo
from onestop.demo_hooks import DEMO_HOOK_NAME, DEMO_HOOK_SECRET, DemoReceiver
from ticketing.model_facilities import WebhookDelivery, WebhookSubscription
from ticketing.service import NewTicket


def test_the_demos_receiver_gets_the_centers_events_signed(tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> tuple[list[str], str]:
        async with running_demo(settings, tmp_path, ("web", "webhooks"), time_scale=0.05, robots=(),
                                field_workers=False) as demo:
            receiver = demo.extras["webhook_receiver"]
            assert isinstance(receiver, DemoReceiver)
            t = demo.core.service.accept("li", NewTicket("repair", "灯不亮", location_code="10305"))
            demo.core.service.cancel("li", t.id, "重复报修")
            async with asyncio.timeout(60):  # the feed polls every second, the sender too
                while len(receiver.received) < 2:
                    await asyncio.sleep(0.05)
            got = sorted(receiver.received, key=lambda g: g.delivery)
            assert [(g.event, g.data["ticket"]["id"]) for g in got] == [
                ("ticket.created", t.id), ("ticket.status_changed", t.id)]
            assert got[1].data["to"] == "cancelled" and receiver.refused == 0
            async with asyncio.timeout(30):  # the sender marks a delivery after its answer
                while True:
                    with demo.core.store.session() as s:  # a new read each time (a fresh snapshot)
                        rows = s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
                        [sub] = s.scalars(select(WebhookSubscription)).all()
                    if [r.status for r in rows] == ["delivered", "delivered"]:
                        break
                    await asyncio.sleep(0.05)
            assert [r.status_code for r in rows] == [200, 200]
            assert (sub.name, sub.url) == (DEMO_HOOK_NAME, receiver.url)
            async with httpx.AsyncClient(base_url=demo.url) as http:  # as the admin's browser does
                await DeskRobot(demo.url, "admin", DEMO_PASSWORD).log_in(http)
                page = (await http.get("/admin/webhooks")).text
            return [str(r.id) for r in rows], page

    ids, page = asyncio.run(run())
    assert DEMO_HOOK_NAME in page and page.count("已送达") >= 2
    assert all(f'data-delivery="{i}"' in page for i in ids)


def test_the_receiver_refuses_what_is_not_signed_with_its_secret() -> None:
    receiver = DemoReceiver().start()
    try:
        now = int(time.time())
        body = json.dumps({"id": 7, "event": "ping", "occurred_at": "2026-12-05T08:00:00+00:00", "sent_at": now,
                           "attempt": 1, "data": {"by": "admin"}}).encode()

        def post(secret: str, sent_at: int = now) -> int:
            sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            return httpx.post(receiver.url, content=body, headers={
                "X-OneStop-Signature": sig, "X-OneStop-Timestamp": str(sent_at), "X-OneStop-Delivery": "7",
                "X-OneStop-Event": "ping", "Content-Type": "application/json"}).status_code

        assert post("someone-elses-secret-0000") == 401
        assert post(DEMO_HOOK_SECRET, sent_at=now - 1) == 401  # the header is not the signed time
        assert post(DEMO_HOOK_SECRET) == 200 and post(DEMO_HOOK_SECRET) == 200  # a retry: kept once
        assert [(g.delivery, g.event) for g in receiver.received] == [(7, "ping")] and receiver.refused == 2
    finally:
        receiver.stop()
