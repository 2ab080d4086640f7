"""Several ``serve`` processes on one PostgreSQL: one AMI listener at a time, pops to every desk.

- **Leadership**: the AMI listener runs only in the process that holds a PostgreSQL advisory
  lock. The lock lives on a dedicated connection: if the process dies, PostgreSQL drops the
  connection and the lock with it, and a standby takes over on its next try.
- **Fan-out**: pops and wallboard updates go to the publishing process's own desk clients at
  once and through ``NOTIFY onestop_live`` to the others; every process ``LISTEN``s and hands
  the others' to its own desk clients, so an operator gets the pop whichever process behind
  the load balancer serves the page. The ``NOTIFY`` is sent by a thread of its own: the
  publisher (the AMI listener, on the serving process's event loop) never waits for the
  database, which a burst of calls keeps busy and which may be away.

With SQLite (one machine, one process) the lock is always held and fan-out is local.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "onestop_live"
AMI_LOCK_KEY = 0x0E570A11  # "onestop AMI"
NOTIFY_LIMIT = 7900  # PostgreSQL refuses payloads of 8000 bytes or more
STALE_S = 5.0  # a live message not sent by then is dropped: a pop is for the call ringing now
RETRY_S = 1.0  # after a failed NOTIFY, messages are dropped this long before connecting again


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
        self._out: queue.SimpleQueue[tuple[float, str] | None] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._sender_lock = threading.Lock()
        self.received = 0
        self.sent = 0
        self.failed = 0  # messages the other processes missed: the database away, or too late

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="pg-fanout", daemon=True)
        self._thread.start()
        self._start_sender()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._sender is not None:
            self._out.put(None)
            self._sender.join(5)

    def publish(self, kind: str, payload: dict[str, Any]) -> None:
        """Deliver to this process's desks, and queue the ``NOTIFY`` for the others (sent by
        the sender thread; when the database is away the others miss it, ``failed`` counts it)."""
        self.deliver(kind, payload)
        text = json.dumps({"kind": kind, "payload": payload, "from": self.origin}, ensure_ascii=False)
        if len(text.encode()) > NOTIFY_LIMIT:
            # Keep the pop small: recent tickets are dropped first (the desk refetches them).
            payload = {k: v for k, v in payload.items() if k != "context"}
            text = json.dumps({"kind": kind, "payload": payload, "truncated": True, "from": self.origin},
                              ensure_ascii=False)
        self._start_sender()
        self._out.put((time.monotonic(), text))

    def _start_sender(self) -> None:
        with self._sender_lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send, name="pg-notify", daemon=True)
                self._sender.start()

    def _send(self) -> None:
        """The queued messages in order, one ``NOTIFY`` each on a connection of this thread.
        A message older than ``STALE_S`` is dropped, and so is every message for ``RETRY_S``
        after a failure: the database away costs the others the messages of that time, never
        this process's loop a wait."""
        import psycopg

        conn: Any = None
        retry_at = 0.0
        failing = False
        while (item := self._out.get()) is not None:
            queued_at, text = item
            now = time.monotonic()
            if now - queued_at > STALE_S or now < retry_at:
                self.failed += 1
                continue
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(_pg_conninfo(self.url), autocommit=True)
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, text))
                self.sent += 1
                if failing:
                    failing = False
                    log.info("NOTIFY %s works again", CHANNEL)
            except Exception as exc:
                self.failed += 1
                retry_at = time.monotonic() + RETRY_S
                if not failing:  # once an outage, not once a message
                    failing = True
                    log.warning("NOTIFY %s failed (%s): the other processes' desks miss live messages"
                                " until it works again; this process's desks have them", CHANNEL, exc)
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
                    conn = None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

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

    @property
    def errors(self) -> int:
        """Messages the other processes missed (``PgFanout.failed``)."""
        return self.fanout.failed

    def publish_pop(self, login: str, payload: dict[str, Any]) -> None:
        self.fanout.publish("pop", {"login": login, "pop": payload})

    def publish_wallboard(self, payload: dict[str, Any]) -> None:
        self.fanout.publish("wallboard", payload)

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
        return {"state": "up", "received": self.fanout.received, "sent": self.fanout.sent, "errors": self.errors}
