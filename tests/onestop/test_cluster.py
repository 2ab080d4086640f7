"""Leadership and fan-out across processes sharing one PostgreSQL (skipped on SQLite)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from onestop.cluster import AdvisoryLeader, FanoutPublisher, PgFanout
from tests.conftest import PG_URL

needs_pg = pytest.mark.skipif(not PG_URL, reason="needs ONESTOP_TEST_DATABASE_URL (PostgreSQL)")


def _wait(cond, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


@needs_pg
def test_one_leader_at_a_time_and_a_standby_takes_over() -> None:
    changes: list[tuple[str, bool]] = []
    a = AdvisoryLeader(PG_URL, key=4242, retry_s=0.2, on_change=lambda v: changes.append(("a", v)))
    b = AdvisoryLeader(PG_URL, key=4242, retry_s=0.2, on_change=lambda v: changes.append(("b", v)))
    a.start()
    assert _wait(lambda: a.is_leader)
    b.start()
    time.sleep(0.6)
    assert not b.is_leader
    a.stop()  # the leader's connection closes: PostgreSQL releases the lock
    assert _wait(lambda: b.is_leader)
    b.stop()
    assert changes == [("a", True), ("b", True)]


def test_sqlite_is_always_its_own_leader() -> None:
    seen: list[bool] = []
    leader = AdvisoryLeader("sqlite:///x.sqlite", on_change=seen.append)
    leader.start()
    assert leader.is_leader and seen == [True]


@needs_pg
def test_live_messages_reach_every_process() -> None:
    got: dict[str, list[tuple[str, dict]]] = {"a": [], "b": []}  # type: ignore[type-arg]
    lock = threading.Lock()

    def sink(name: str):  # type: ignore[no-untyped-def]
        def deliver(kind: str, payload: dict) -> None:  # type: ignore[type-arg]
            with lock:
                got[name].append((kind, payload))
        return deliver

    a, b = PgFanout(PG_URL, sink("a")), PgFanout(PG_URL, sink("b"))
    a.start()
    b.start()
    assert a.listening.wait(10) and b.listening.wait(10)  # a NOTIFY before LISTEN reaches no one
    a.publish("pop", {"login": "li", "caller_name": "张护士 <script>", "context": {"x": "y" * 9000}})
    assert got["a"] and got["a"][0][1]["context"]  # its own desks: at once, whole
    assert _wait(lambda: len(got["b"]) == 1)
    kind, payload = got["b"][0]
    assert kind == "pop" and payload["caller_name"] == "张护士 <script>"
    assert "context" not in payload  # an oversized pop is trimmed, never refused
    # b's message reaches a after a's own NOTIFY would have (one session's notifications and
    # the next's arrive in commit order): a has its own once, then b's.
    b.publish("wallboard", {"calls_waiting": 3})
    assert _wait(lambda: len(got["a"]) == 2 and len(got["b"]) == 2)
    assert [k for k, _p in got["a"]] == ["pop", "wallboard"] and got["a"][1][1] == {"calls_waiting": 3}
    assert (a.received, b.received) == (1, 1)
    a.stop()
    b.stop()


def test_a_pop_reaches_this_process_s_desks_when_the_database_is_away() -> None:
    """NOTIFY fails (nothing listens on the port): the publishing process's own desks have
    the pop all the same, once; the failure is counted."""
    got: list[tuple[str, dict]] = []  # type: ignore[type-arg]

    class Hub:
        def publish_pop(self, login: str, pop: dict) -> None:  # type: ignore[type-arg]
            got.append((login, pop))

        def publish_wallboard(self, payload: dict) -> None:  # type: ignore[type-arg]
            got.append(("wallboard", payload))

    live = FanoutPublisher("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2", Hub())
    live.publish_pop("li", {"caller_num": "13800000009"})
    assert got == [("li", {"caller_num": "13800000009"})]
    assert _wait(lambda: live.errors == 1) and live.health()["errors"] == 1
    assert live.health()["sent"] == 0


def test_a_burst_of_pops_does_not_wait_for_the_database() -> None:
    """The database takes the connection and answers nothing (a server busy or half away): the
    publisher — the AMI listener, on the serving process's loop — goes on at once, and its own
    desks have every pop in order. When the connection fails, the message that waited and the
    ones queued behind it are counted as missed by the other processes, not sent late."""
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    held: list[socket.socket] = []
    release = threading.Event()

    def hold() -> None:
        conn, _addr = srv.accept()
        held.append(conn)
        release.wait(60)
        conn.close()
        srv.close()

    threading.Thread(target=hold, daemon=True).start()
    got: list[str] = []

    class Hub:
        def publish_pop(self, login: str, pop: dict) -> None:  # type: ignore[type-arg]
            got.append(pop["caller_num"])

    live = FanoutPublisher(f"postgresql+psycopg://postgres@127.0.0.1:{port}/none?connect_timeout=60", Hub())
    published = threading.Event()

    def burst() -> None:
        for i in range(20):
            live.publish_pop("li", {"caller_num": f"1380000{i:04}"})
        published.set()

    threading.Thread(target=burst, daemon=True).start()
    try:
        assert published.wait(10), "the publisher waited for the database"
        assert got == [f"1380000{i:04}" for i in range(20)]
        assert _wait(lambda: bool(held))  # the NOTIFY is on its way meanwhile
        assert live.errors == 0
    finally:
        release.set()
    assert _wait(lambda: live.errors == 20)
    assert live.health()["sent"] == 0
    live.fanout.stop()
