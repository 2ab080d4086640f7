"""Driving a webhook sender in a test: the delivery rows, and the sender's rounds until a
condition holds (the sender tests' and the chat robots' tests')."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import select

from hooks.sender import WebhookSender
from ticketing.model_facilities import WebhookDelivery
from ticketing.store import Store


def deliveries(store: Store) -> list[WebhookDelivery]:
    with store.session() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def send_until(sender: WebhookSender, done: Callable[[], bool], timeout: float = 20.0) -> None:
    """Run the sender's rounds until ``done()`` (polling the store: the condition, not a sleep)."""
    async def main() -> None:
        await sender.start()
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError("the deliveries did not settle in time")
            if not await sender.run_once():
                await asyncio.sleep(0.02)
        await sender.stop()

    asyncio.run(main())
