"""The demo's webhook subscriber: a hospital system's endpoint on loopback, so a newcomer sees
webhooks work — every event the center sends arrives here signed, is checked as a receiver
must (``hooks.signing.verify``: the signature, the signed timestamp, its age) and logged, and
the delivery log on ``/admin/webhooks`` shows each one delivered.

``running_demo`` starts it and subscribes it (``ensure_subscription``: the subscription
``DEMO_HOOK_NAME`` to every event, created once and pointed at this run's port each start).
A request that fails the check is answered 401 and logged, as a real receiver would.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hooks import signing
from onestop.core import Core

log = logging.getLogger(__name__)

DEMO_HOOK_NAME = "演示接收端 (demo receiver)"
# the demo's own receiver and sender share it; a real subscription gets one made for it
DEMO_HOOK_SECRET = "demo-webhook-secret-not-for-production"
MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Got:
    delivery: int
    event: str
    attempt: int
    data: dict[str, Any]


class DemoReceiver:
    """Loopback HTTP endpoint: ``POST /hooks`` with a OneStop delivery. Keeps what it accepted
    (``received``, a delivery id once however often it is retried) and how many it refused."""

    def __init__(self, secret: str = DEMO_HOOK_SECRET, now_s: Callable[[], float] = time.time) -> None:
        self.secret, self.now_s = secret, now_s
        self.received: list[Got] = []
        self.refused = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length") or 0)
                if self.path != "/hooks" or not 0 < length <= MAX_BODY:
                    self.send_error(404 if self.path != "/hooks" else 400)
                    return
                status = receiver.take(self.rfile.read(length), self.headers)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # the deliveries are logged by ``take``
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, name="demo-webhook-receiver", daemon=True)

    def take(self, body: bytes, headers: Any) -> int:
        """The answer to one request: 200 for a genuine delivery (logged), 401 for the rest."""
        try:
            payload = signing.verify(self.secret, body, headers, self.now_s())
        except (ValueError, KeyError, TypeError) as exc:
            with self.lock:
                self.refused += 1
            log.warning("demo webhook receiver: refused a request (%s)", exc)
            return 401
        got = Got(int(payload["id"]), str(payload["event"]), int(payload.get("attempt") or 1),
                  dict(payload.get("data") or {}))
        with self.lock:
            seen = any(g.delivery == got.delivery for g in self.received)
            if not seen:
                self.received.append(got)
        log.info("demo webhook receiver: delivery %s %s%s, signature ok: %s", got.delivery, got.event,
                 " (again)" if seen else "", _summary(got))
        return 200

    def start(self) -> DemoReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _summary(got: Got) -> str:
    ticket = got.data.get("ticket")
    if isinstance(ticket, dict):
        step = f" {got.data.get('from')} → {got.data.get('to')}" if "to" in got.data else ""
        return f"ticket {ticket.get('id')} ({ticket.get('service_type')}){step}"
    call = got.data.get("call")
    if isinstance(call, dict):
        return f"call from {call.get('caller_num')} ({call.get('service_type') or '-'})"
    return json.dumps(got.data, ensure_ascii=False)[:120]


def ensure_subscription(core: Core, url: str, secret: str = DEMO_HOOK_SECRET) -> int:
    """The demo receiver's subscription to every event: made the first time, pointed at this
    run's ``url`` (and secret) each start after. Returns its id."""
    from onestop.facilities import build_webhooks
    from ticketing.webhooks import EVENTS

    hooks = build_webhooks(core)
    mine = next((s for s in hooks.subscriptions() if s["name"] == DEMO_HOOK_NAME), None)
    if mine is None:
        made = hooks.create("demo", {"name": DEMO_HOOK_NAME, "url": url, "events": list(EVENTS),
                                     "secret": secret})
        return int(made["id"])
    hooks.update("demo", mine["id"], {"url": url, "secret": secret, "active": True, "format": "generic"})
    return int(mine["id"])
