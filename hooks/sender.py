"""The webhook sender: claims due deliveries from the core, POSTs each, signed, with httpx and
records the outcome, ``concurrency`` at a time.

A 2xx is delivered — for a chat bot's format (``hooks/chat.py``) only if the robot's answer
says it took the message: WeCom's and DingTalk's ``errcode`` ≠ 0, Feishu's ``code`` ≠ 0 (with
HTTP 200) is a failed attempt, tried again with the back-off and logged. A timeout, a refused connection, 408, 425, 429 and any 5xx are tried again
later (the core's back-off, or the receiver's ``Retry-After`` if longer). Any other answer —
a 4xx, a redirect — is the receiver refusing this delivery: it fails at once (an administrator
can send it again from the delivery log once the receiver is fixed). Every attempt's status
code, latency and error go into the log. The sender never holds a delivery it has not recorded:
if it dies mid-request the lease runs out and the delivery goes again with the same id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from hooks import chat, signing
from hooks.ports import Delivery, DeliveryQueue

log = logging.getLogger(__name__)

RETRIED = frozenset({408, 425, 429})


class WebhookSender:
    def __init__(self, queue: DeliveryQueue, worker: str, timeout_s: float = 10.0, concurrency: int = 4,
                 poll_s: float = 1.0, now_s: Callable[[], float] = time.time,
                 client: httpx.AsyncClient | None = None) -> None:
        self.queue, self.worker = queue, worker
        self.timeout_s, self.concurrency, self.poll_s = timeout_s, max(1, concurrency), poll_s
        self.now_s = now_s
        self._client = client
        self._task: asyncio.Task[None] | None = None
        self.stats = {"attempts": 0, "delivered": 0, "retry": 0, "failed": 0}
        self.last_error = ""

    async def run_once(self) -> int:
        """Claim what is due (up to ``concurrency``) and send it; returns how many were tried."""
        due = await asyncio.to_thread(self.queue.claim, self.worker, self.concurrency)
        if due:
            await asyncio.gather(*(self._send(d) for d in due))
        return len(due)

    async def run(self) -> None:
        """Send until cancelled; wait ``poll_s`` only when nothing was due. A failing store is
        logged and tried again."""
        while True:
            try:
                sent = await self.run_once()
                self.last_error = ""  # the store answers again
                if sent:
                    continue
            except Exception as exc:  # the store away: the deliveries wait in the outbox
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("webhooks: sending failed")
            await asyncio.sleep(self.poll_s)

    async def start(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False, timeout=self.timeout_s)
        self._task = asyncio.create_task(self.run(), name=f"webhooks-{self.worker}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    async def _send(self, d: Delivery) -> None:
        assert self._client is not None, "start() the sender, or give it a client"
        chat_bot = d.format != "generic"
        if chat_bot:  # the robot's message, signed its way (hooks/chat.py)
            url, body, headers = chat.request(d.format, d.url, d.secret, d.event, d.payload, d.context,
                                              d.language, self.now_s())
            headers = {**headers, signing.DELIVERY: str(d.id), signing.EVENT: d.event}
        else:
            url = d.url
            body, headers = signing.request(d.id, d.event, d.occurred_at.isoformat(), d.payload, d.attempts,
                                            d.secret, int(self.now_s()))
        started = time.monotonic()
        self.stats["attempts"] += 1
        try:
            resp = await self._client.post(url, content=body, headers=headers, timeout=self.timeout_s)
        except httpx.TimeoutException:
            await self._failed(d, f"no answer within {self.timeout_s:g} s", True, None, started)
            return
        except httpx.HTTPError as exc:  # refused, reset, a name that does not resolve…
            await self._failed(d, f"{type(exc).__name__}: {exc}"[:300], True, None, started)
            return
        code = resp.status_code
        refused = chat.refusal(d.format, resp.text) if chat_bot and 200 <= code < 300 else ""
        if refused:  # a robot says no with HTTP 200: tried again later, like a 5xx
            await self._failed(d, refused, True, code, started)
            return
        if 200 <= code < 300:
            await asyncio.to_thread(self.queue.mark_delivered, d.id, code, _ms(started))
            self.stats["delivered"] += 1
            return
        retry = code in RETRIED or code >= 500
        why = f"HTTP {code}" + (f": {resp.text.strip()[:200]}" if resp.text.strip() else "")
        await self._failed(d, why, retry, code, started, _retry_after(resp.headers.get("retry-after"), self.now_s()))

    async def _failed(self, d: Delivery, error: str, retry: bool, code: int | None, started: float,
                      retry_after_s: float | None = None) -> None:
        status = await asyncio.to_thread(self.queue.mark_failed, d.id, error, retry, code, _ms(started),
                                         retry_after_s)
        self.stats["retry" if status == "retry" else "failed"] += 1
        log.warning("webhook delivery %s to %s (attempt %s): %s → %s", d.id, d.url, d.attempts, error, status)

    def health(self) -> dict[str, Any]:
        return {"state": "error" if self.last_error else "up", "worker": self.worker, **self.stats,
                "error": self.last_error}


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _retry_after(value: str | None, now_s: float) -> float | None:
    """``Retry-After``: seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now_s)
    except (TypeError, ValueError):
        return None
