"""Running the app under uvicorn: the settings the root should use, and a thread runner for
tests and benchmarks (loopback, port chosen by the OS)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

# An open SSE stream holds uvicorn's graceful shutdown forever without this (LIBRARIES.md).
GRACEFUL_SHUTDOWN_S = 3


def uvicorn_config(app: Any, host: str, port: int, **kw: Any) -> uvicorn.Config:
    """The uvicorn settings OneStop runs with."""
    opts: dict[str, Any] = dict(timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S, log_level="warning",
                                access_log=False, proxy_headers=False, server_header=False,
                                lifespan="on")
    opts.update(kw)
    return uvicorn.Config(app, host=host, port=port, **opts)


class ThreadedServer:
    """uvicorn on a background thread; ``url`` once started, ``stop()`` to end it."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, **kw: Any) -> None:
        # proto must say TCP: asyncio (3.11) sets TCP_NODELAY on accepted sockets only then,
        # and without it every keep-alive response waits ~40 ms for a delayed ACK.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = uvicorn.Server(uvicorn_config(app, host, self.port, **kw))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]},
                                       name="web-server", daemon=True)

    def start(self, timeout: float = 10.0) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("web server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(GRACEFUL_SHUTDOWN_S + 5)
        self._sock.close()
