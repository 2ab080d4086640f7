"""The facilities parts of the center, built from the core and the settings: the sweep that
makes maintenance plans' tickets on their due dates, and the webhooks (the feed reader and the
sender)."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from onestop.core import Core
from onestop.runtime import Periodic
from ticketing.maintenance import Maintenance
from ticketing.outbox import Backoff
from ticketing.webhooks import Webhooks


def build_maintenance(core: Core) -> Maintenance:
    m = core.settings.maintenance
    return Maintenance(core.service, create_time=m.create_clock(),
                       missed_after=timedelta(minutes=m.missed_after_min))


def maintenance_part(core: Core) -> Periodic:
    """Every ``[maintenance] sweep_s``: each ready due date's ticket, once (several processes
    may run it: the store's (plan, due date) key keeps it to one)."""
    return Periodic("maintenance", build_maintenance(core).sweep, core.settings.maintenance.sweep_s)


def build_webhooks(core: Core) -> Webhooks:
    w = core.settings.webhooks
    return Webhooks(core.store, core.clock, Backoff(base_s=w.retry_base_s, cap_s=w.retry_cap_s,
                                                    max_attempts=w.max_attempts),
                    lease=timedelta(seconds=w.lease_s), catalog=core.catalog)


def worker_name() -> str:
    """The sender's name in the delivery log: its host and process."""
    return f"webhooks@{socket.gethostname()}:{os.getpid()}"


class WebhooksPart:
    """The feed reader (new audit and call-log rows → deliveries, every ``poll_s``) and the
    sender (deliveries → subscribers' URLs). Several processes may run both: the feed's cursor
    and the deliveries' leases keep each event to one delivery per subscription."""

    name = "webhooks"

    def __init__(self, core: Core) -> None:
        from hooks.sender import WebhookSender

        w = core.settings.webhooks
        self.webhooks = build_webhooks(core)
        self.feed = Periodic("webhooks-feed", self.webhooks.pump, w.poll_s)
        self.sender = WebhookSender(self.webhooks, worker_name(), timeout_s=w.timeout_s,
                                    concurrency=w.concurrency, poll_s=w.poll_s)

    async def start(self) -> None:
        await self.feed.start()
        await self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()
        await self.feed.stop()

    def health(self) -> dict[str, Any]:
        feed = self.feed.health()
        sender = self.sender.health()
        state = "up" if feed["state"] == sender["state"] == "up" else "error"
        return {"state": state, "feed_runs": feed["runs"], "feed_error": feed["error"], **{
            k: v for k, v in sender.items() if k != "state"}}
