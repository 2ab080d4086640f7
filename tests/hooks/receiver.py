"""A webhook receiver on loopback, as a hospital's system would run one: it checks each
request's signature with its own HMAC (not the sender's code), keeps what came, and answers as
the test scripts it (a status code, a delay, or holding the request until released)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    delivery: str  # the X-OneStop-Delivery header
    event: str
    timestamp: str
    signature_ok: bool
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Answer:
    status: int = 200
    delay_s: float = 0.0
    hold: threading.Event | None = None  # answer only once this is set
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.script: list[Answer] = []  # answers for the next requests, in order; then 200
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                try:
                    payload = json.loads(body) if len(body) == length else None
                except ValueError:
                    payload = None
                if payload is None:  # a request torn off (its sender killed): not a delivery
                    self.send_error(400)
                    return
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                got = Received(self.headers.get("X-OneStop-Delivery", ""), self.headers.get("X-OneStop-Event", ""),
                               self.headers.get("X-OneStop-Timestamp", ""),
                               hmac.compare_digest(expected, self.headers.get("X-OneStop-Signature", "")),
                               payload)
                with receiver.lock:
                    receiver.received.append(got)
                    answer = receiver.script.pop(0) if receiver.script else Answer()
                    receiver.arrived.notify_all()
                if answer.hold is not None:
                    answer.hold.wait(60)
                if answer.delay_s:
                    time.sleep(answer.delay_s)  # the receiver is slow: that is what is tested
                try:
                    self.send_response(answer.status)
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender is gone (killed, or it gave up waiting)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/onestop"
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, n: int, timeout: float = 20.0) -> list[Received]:
        """Wait until ``n`` requests have come (an AssertionError after ``timeout``)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= n, timeout):
                raise AssertionError(f"{len(self.received)} of {n} requests came")
            return list(self.received)
