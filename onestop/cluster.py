"""Several ``serve`` processes on one PostgreSQL: one AMI listener at a time, pops to every desk.

- **Leadership**: the AMI listener runs only in the process that holds a PostgreSQL advisory
  lock. The lock lives on a dedicated connection: if the process dies, PostgreSQL drops the
  connection and the lock with it, and a standby takes over on its next try.
- **Fan-out**: pops and wallboard updates go to the publishing process's own desk clients at
  once and through ``NOTIFY onestop_live`` to the others; every process ``LISTEN``s and hands
  the others' to its own desk clients, so an operator gets the pop whichever process behind
  the load balancer serves the page.

With SQLite (one machine, one process) the lock is always held and fan-out is local.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "onestop_live"
AMI_LOCK_KEY = 0x0E570A11  # "onestop AMI"
NOTIFY_LIMIT = 7900  # PostgreSQL refuses payloads of 8000 bytes or more


def _pg_conninfo(url: str) -> str:
    # SQLAlchemy URL → libpq URL for a plain psycopg connection.
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class AdvisoryLeader:
    """Try to hold ``pg_try_advisory_lock(key)`` on a dedicated connection, retrying every
    ``retry_s``; ``on_change(is_leader)`` is called when leadership is won or lost."""

    def __init__(self, url: str, key: int = AMI_LOCK_KEY, retry_s: float = 2.0,
                 on_change: Callable[[bool], None] | None = None) -> None:
        self.url, self.key, self.retry_s = url, key, retry_s
        self.on_change = on_change
        self.is_leader = not url.startswith("postgresql")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def start(self) -> None:
        if not self.url.startswith("postgresql"):
            if self.on_change:
                self.on_change(True)
            return
        self._thread = threading.Thread(target=self._run, name="ami-leader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.retry_s + 5)
        self._close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception as exc:  # the database went away: we are no longer leader
                log.warning("leadership check failed: %s", exc)
                self._close()
                self._set(False)
            self._stop.wait(self.retry_s)

    def _tick(self) -> None:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(_pg_conninfo(self.url), autocommit=True)
        if self.is_leader:
            self._conn.execute("SELECT 1")  # keep-alive: notices a dropped connection
            return
        got = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]
        self._set(bool(got))

    def _set(self, leader: bool) -> None:
        if leader != self.is_leader:
            self.is_leader = leader
            log.info("AMI leadership %s", "won" if leader else "lost")
            if self.on_change:
                self.on_change(leader)

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # closing a dead connection may raise
                self._conn.close()
            self._conn = None


class PgFanout:
    """Publish live messages to every process: this one's own desks at once (``deliver``),
    the others' through ``NOTIFY``; deliver the other processes' messages as they arrive. A
    process's own message coming back from ``LISTEN`` is dropped — its desks had it a round
    trip to the database earlier, and whole (a ``NOTIFY`` payload may be trimmed)."""

    def __init__(self, url: str, deliver: Callable[[str, dict[str, Any]], None]) -> None:
        self.url = url
        self.deliver = deliver
        self.origin = uuid.uuid4().hex[:16]  # this process's mark on its messages
        self._stop = threading.Event()
        self.listening = threading.Event()  # set while LISTEN holds: others' messages arrive
        self._thread: threading.Thread | None = None
        self._pub_lock = threading.Lock()
        self._pub: Any = None
        self.received = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="pg-fanout", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._pub_lock:
            if self._pub is not None:
                self._pub.close()

    def publish(self, kind: str, payload: dict[str, Any]) -> None:
        """Deliver to this process's desks, then ``NOTIFY`` the others (which raises when the
        database is away: the others miss it, this process's desks have it)."""
        import psycopg

        self.deliver(kind, payload)
        text = json.dumps({"kind": kind, "payload": payload, "from": self.origin}, ensure_ascii=False)
        if len(text.encode()) > NOTIFY_LIMIT:
            # Keep the pop small: recent tickets are dropped first (the desk refetches them).
            payload = {k: v for k, v in payload.items() if k != "context"}
            text = json.dumps({"kind": kind, "payload": payload, "truncated": True, "from": self.origin},
                              ensure_ascii=False)
        with self._pub_lock:
            if self._pub is None or self._pub.closed:
                self._pub = psycopg.connect(_pg_conninfo(self.url), autocommit=True)
            self._pub.execute("SELECT pg_notify(%s, %s)", (CHANNEL, text))

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(_pg_conninfo(self.url), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._handle(note.payload)
            except Exception as exc:
                log.warning("LISTEN %s failed (%s); retrying", CHANNEL, exc)
                time.sleep(1)
            finally:
                self.listening.clear()

    def _handle(self, text: str) -> None:
        try:
            msg = json.loads(text)
            if msg.get("from") == self.origin:
                return  # delivered here when it was published
            self.deliver(msg["kind"], msg["payload"])
            self.received += 1
        except Exception:
            log.exception("bad live message on %s", CHANNEL)


class FanoutPublisher:
    """The CTI's ``PopPublisher``/``WallboardPublisher`` across processes: a pop goes to this
    process's desk clients at once and by NOTIFY to every other process's."""

    name = "fanout"

    def __init__(self, url: str, hub: Any) -> None:
        self.hub = hub
        self.fanout = PgFanout(url, self._deliver)
        self.errors = 0

    def publish_pop(self, login: str, payload: dict[str, Any]) -> None:
        self._publish("pop", {"login": login, "pop": payload})

    def publish_wallboard(self, payload: dict[str, Any]) -> None:
        self._publish("wallboard", payload)

    def _publish(self, kind: str, payload: dict[str, Any]) -> None:
        try:
            self.fanout.publish(kind, payload)
        except Exception as exc:  # the database is away: this process's desks had it
            self.errors += 1
            log.warning("NOTIFY failed (%s); delivered locally only", exc)

    def _deliver(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "pop":
            self.hub.publish_pop(payload["login"], payload["pop"])
        elif kind == "wallboard":
            self.hub.publish_wallboard(payload)

    async def start(self) -> None:
        self.fanout.start()

    async def stop(self) -> None:
        self.fanout.stop()

    def health(self) -> dict[str, Any]:
        return {"state": "up", "received": self.fanout.received, "errors": self.errors}
