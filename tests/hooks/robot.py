"""A chat bot's webhook endpoint on loopback (WeCom, DingTalk or Feishu as far as a sender
sees one): it keeps each request's path with its query, headers and JSON body, and answers as
the test scripts it — HTTP 200 with the robot's JSON, ``{"errcode": 0, "errmsg": "ok"}`` unless
told otherwise (a refusal is also HTTP 200, with a non-zero code)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hit:
    path: str  # with its query
    headers: dict[str, str]
    body: dict[str, Any]


class Robot:
    def __init__(self, ok: dict[str, Any] | None = None) -> None:
        self.ok = ok or {"errcode": 0, "errmsg": "ok"}
        self.hits: list[Hit] = []
        self.script: list[tuple[int, dict[str, Any]]] = []  # the next answers, then ``ok``
        self.arrived = threading.Condition()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with robot.arrived:
                    robot.hits.append(Hit(self.path, {k.lower(): v for k, v in self.headers.items()},
                                          json.loads(raw)))
                    status, answer = robot.script.pop(0) if robot.script else (200, robot.ok)
                    robot.arrived.notify_all()
                out = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="robot", daemon=True)

    def __enter__(self) -> Robot:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
