"""AMI ingest: OneStop's listener (with call tracking) vs panoramisk vs asterisk-ami, one run.

The stream is built from the recorded traces (tests/fixtures/traces), repeated and
renumbered (every Uniqueid/Linkedid made unique per copy) and merged by recorded time, so
about a thousand calls are up at once. A server in a child process sends it over loopback
as fast as each client reads; each client counts messages until it has seen them all.

- OneStop: ``CtiListener`` (client + parser + tracker + pops + wallboard), the same as serve.
  It decodes only the events its tracker uses (about a fifth of this stream's messages) and
  frames and counts the rest: that is the job figure. To compare the same work as the peers,
  which decode every message, the same listener runs again with the filter off
  (``events=None, variables=None``: every message decoded into a ``Message`` and handed to the
  tracker) — the full-decode figure.
- panoramisk 1.4: ``Manager`` with a ``*`` event callback (asyncio).
- asterisk-ami 0.1.7: ``AMIClient`` with an event listener on its reader thread; its default
  ``timeout=3`` would kill the reader at the first 3 s pause (LIBRARIES.md), so it gets 60 s,
  and 64 KiB reads (its best measured setting; 1 KiB reads are measured too).

``--runs`` rounds (default 3): each round runs every reader once, in turn, and each reader's
best round is reported, so a busy moment on the machine cannot favour one reader.

Then the screen-pop latency: 200 concurrent calls paced at 5× the recorded speed, from the
AMI read (the listener's receive time) to the pop arriving at a desk subscriber of the web's
``LiveHub`` (an in-process asyncio client).

    .venv/bin/python bench/ami_ingest.py [--sets 210] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import re
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import AmiSettings, OperatorMap  # noqa: E402
from cti.fakes import DictContextLookup, RecordingWallboard  # noqa: E402
from cti.listener import CtiListener  # noqa: E402
from cti.replay import ReplayServer, TraceEvent, load_trace  # noqa: E402

TRACES = ROOT / "tests" / "fixtures" / "traces"
CALL_SCENARIOS = ["repair_answered", "abandoned_in_queue", "no_callerid_operator",
                  "concurrent_six", "hangup_during_ivr", "survey_callback"]
UID = re.compile(rb"\b(\d{10})\.(\d+)\b")
OPERATORS = [OperatorMap(interface="Local/101@agents/n", name="Operator Li", login="li"),
             OperatorMap(interface="Local/102@agents/n", name="Operator Wang", login="wang")]


def renumbered(events: list[TraceEvent], copy: int, offset: float) -> list[TraceEvent]:
    """One copy of a trace with its own unique ids, shifted by ``offset`` seconds."""
    mapping: dict[bytes, bytes] = {}

    def sub(m: re.Match[bytes]) -> bytes:
        old = m.group(0)
        if old not in mapping:
            mapping[old] = b"%d.%d" % (1800000000 + copy, len(mapping) + 1)
        return mapping[old]

    return [TraceEvent(e.t + offset, UID.sub(sub, e.raw)) for e in events
            if not e.raw.startswith(b"Event: FullyBooted")]


def build_stream(sets: int, spread_s: float, scenarios: list[str]) -> tuple[list[TraceEvent], int]:
    """``sets`` copies of each scenario, merged by time; returns events and hotline calls."""
    base = {s: load_trace(TRACES / s) for s in scenarios}
    calls_per = {s: sum(1 for _ in (TRACES / s / "calls.jsonl").read_text().splitlines()) for s in scenarios}
    out: list[TraceEvent] = []
    copy = 0
    for i in range(sets):
        for s in scenarios:
            out += renumbered(base[s], copy, i * spread_s / sets)
            copy += 1
    out.sort(key=lambda e: e.t)
    return out, sets * sum(calls_per.values())


# --- the server, in a child process ---------------------------------------------------

def _serve(payload: bytes, conn: Any) -> None:
    """Blocking sockets and one ``sendall``: the server must never be the bottleneck."""
    lsock = socket.create_server(("127.0.0.1", 0))
    conn.send(lsock.getsockname()[1])
    while True:
        sock, _ = lsock.accept()
        with sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            sock.sendall(b"Asterisk Call Manager/13.0.0\r\n")
            buf = b""
            while b"\r\n\r\n" not in buf and b"\n\n" not in buf:
                data = sock.recv(4096)
                if not data:
                    break
                buf += data
            aid = re.search(rb"ActionID: *([^\r\n]*)", buf, re.I)
            sock.sendall(b"Response: Success\r\nActionID: " + (aid.group(1) if aid else b"") +
                         b"\r\nMessage: Authentication accepted\r\n\r\n")
            sock.sendall(payload)
            try:
                while sock.recv(65536):
                    pass  # answer nothing more; wait for the client to leave
            except OSError:
                pass


# --- the clients ----------------------------------------------------------------------

async def run_onestop(port: int, n: int, full_decode: bool = False) -> tuple[float, dict[str, Any]]:
    ami = AmiSettings(host="127.0.0.1", port=port, operators=OPERATORS, heartbeat_s=3600)
    pops: list[Any] = []

    class Pops:
        def publish_pop(self, login: str, payload: dict[str, Any]) -> None:
            pops.append(payload)

    # full_decode: no event or variable filter, every message decoded as the peers do
    unfiltered: dict[str, Any] = {"events": None, "variables": None} if full_decode else {}
    listener = CtiListener.from_settings(ami, pops=Pops(), wallboard=RecordingWallboard(),
                                         context=DictContextLookup(), tick_s=0, **unfiltered)
    stats = listener.client.stats
    t0 = time.perf_counter()
    await listener.start()
    # The listener decodes only the events it uses; the rest are framed and counted (skipped).
    while stats["messages"] + stats["skipped"] < n:
        await asyncio.sleep(0.001)
    await listener.client.drain(60)  # and every delivered message has been tracked
    elapsed = time.perf_counter() - t0
    info = {"calls": listener.stats["calls"], "pops": len(pops),
            "errors": listener.stats["handler_errors"], "decoded": stats["messages"],
            "skipped": stats["skipped"]}
    await listener.stop()
    return elapsed, info


async def run_panoramisk(port: int, n: int) -> float:
    from panoramisk import Manager

    done = asyncio.Event()
    seen = 0

    def on_event(manager: Any, event: Any) -> None:
        nonlocal seen
        seen += 1
        if seen >= n:
            done.set()

    manager = Manager(host="127.0.0.1", port=port, username="bench", secret="bench",
                      ping_delay=3600, loop=asyncio.get_running_loop())
    manager.register_event("*", on_event)
    t0 = time.perf_counter()
    await manager.connect()
    await asyncio.wait_for(done.wait(), 600)
    elapsed = time.perf_counter() - t0
    manager.close()
    return elapsed


def run_asterisk_ami(port: int, n: int, buffer_size: int = 65536) -> float:
    from asterisk.ami import AMIClient

    done = threading.Event()
    seen = 0

    def on_event(event: Any, **kw: Any) -> None:
        nonlocal seen
        seen += 1
        if seen >= n:
            done.set()

    client = AMIClient(address="127.0.0.1", port=port, timeout=60, buffer_size=buffer_size)
    client.add_event_listener(on_event)
    t0 = time.perf_counter()
    client.login(username="bench", secret="bench")
    if not done.wait(600):
        raise RuntimeError(f"asterisk-ami saw {seen} of {n} events")
    elapsed = time.perf_counter() - t0
    client._socket.shutdown(socket.SHUT_RDWR)  # wake its reader thread now, not in 60 s
    client.disconnect()
    return elapsed


def with_server(payload: bytes, fn: Any) -> Any:
    parent, child = mp.Pipe()
    proc = mp.Process(target=_serve, args=(payload, child), daemon=True)
    proc.start()
    try:
        port = parent.recv()
        return fn(port)
    finally:
        proc.terminate()
        proc.join(5)


# --- pop latency ----------------------------------------------------------------------

async def pop_latency(calls: int, speed: float) -> list[float]:
    from web.live import LiveHub

    events, _ = build_stream(calls, spread_s=10.0, scenarios=["repair_answered"])
    server = ReplayServer(events, speed=speed, track_state=False)
    port = await server.start()
    hub = LiveHub(queue_size=4096)
    latencies: list[float] = []
    desks = [hub.subscribe(login, "operator", frozenset({"pop"})) for login in ("li", "wang")]

    async def desk(client: Any) -> None:
        async for msg in hub.stream(client, heartbeat_s=3600):
            if msg.get("type") == "pop":
                latencies.append((time.time() - msg["data"]["received_at"]) * 1000)

    readers = [asyncio.create_task(desk(c)) for c in desks]
    ami = AmiSettings(host="127.0.0.1", port=port, operators=OPERATORS, heartbeat_s=3600)
    listener = CtiListener.from_settings(ami, pops=hub, wallboard=hub, context=DictContextLookup())
    await listener.start()
    await asyncio.wait_for(server.done.wait(), 300)
    await listener.client.action("Ping")
    await listener.flush()
    await asyncio.sleep(0.2)
    hub.close()
    await asyncio.gather(*readers, return_exceptions=True)
    await listener.stop()
    await server.close()
    return latencies


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=int, default=210, help="copies of each recorded scenario")
    ap.add_argument("--pop-calls", type=int, default=200)
    ap.add_argument("--pop-speed", type=float, default=5.0)
    ap.add_argument("--runs", type=int, default=3,
                    help="rounds; each round runs every reader once, the best round counts "
                         "for each (the same for all, so a busy moment hurts no one alone)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)

    events, calls = build_stream(args.sets, spread_s=20.0, scenarios=CALL_SCENARIOS)
    payload = b"".join(e.raw for e in events)
    n = len(events)
    peak = peak_concurrency(events)
    print(f"stream: {n} messages, {len(payload) / 1e6:.1f} MB, {calls} hotline calls, "
          f"peak {peak} concurrent hotline calls")

    readers = {
        "onestop": lambda port: asyncio.run(run_onestop(port, n)),
        "onestop_full": lambda port: asyncio.run(run_onestop(port, n, full_decode=True)),
        "panoramisk": lambda port: (asyncio.run(run_panoramisk(port, n)), None),
        "aa64": lambda port: (run_asterisk_ami(port, n, 65536), None),
        "aa1": lambda port: (run_asterisk_ami(port, n, 1024), None),
    }
    times: dict[str, list[float]] = {name: [] for name in readers}
    info: dict[str, dict[str, Any]] = {}
    for _ in range(max(1, args.runs)):
        for name, fn in readers.items():
            elapsed, extra = with_server(payload, fn)
            times[name].append(elapsed)
            if extra is not None:
                if extra["calls"] != calls or extra["errors"]:
                    raise RuntimeError(f"OneStop ({name}) lost track: {extra} (expected {calls} calls)")
                info[name] = extra
    if info["onestop_full"]["decoded"] < n or info["onestop_full"]["skipped"]:
        raise RuntimeError(f"the full-decode run skipped messages: {info['onestop_full']} of {n}")
    t_os, t_full, t_pk, t_aa64, t_aa1 = (min(times[k]) for k in
                                         ("onestop", "onestop_full", "panoramisk", "aa64", "aa1"))
    t_aa = min(t_aa64, t_aa1)  # the peer's better setting
    rates = {"onestop": n / t_os, "onestop_full": n / t_full, "panoramisk": n / t_pk,
             "asterisk-ami": n / t_aa}
    best_peer = max(rates["panoramisk"], rates["asterisk-ami"])
    job = info["onestop"]
    decoded_share = job["decoded"] / n
    print(f"OneStop tracked {job['calls']} calls, {job['pops']} pops, {job['errors']} errors, "
          f"decoded {job['decoded']} of {n} messages ({decoded_share:.0%}; the rest framed and "
          f"counted); with the filter off it decoded {info['onestop_full']['decoded']}")
    print("rounds (s): " + " | ".join(f"{k} " + " ".join(f"{t:.2f}" for t in v)
                                      for k, v in times.items()))
    print(f"best of {max(1, args.runs)} rounds (each round runs every reader once):")
    print(f"{'reader':<44}{'seconds':>9}{'msgs/s':>12}{'vs best peer':>14}")
    for name, t in (("OneStop listener + call tracking", t_os),
                    ("OneStop, every message decoded + tracking", t_full), ("panoramisk 1.4", t_pk),
                    ("asterisk-ami 0.1.7 (64 KiB reads, timeout 60)", t_aa64),
                    ("asterisk-ami 0.1.7 (1 KiB reads, timeout 60)", t_aa1)):
        rate = n / t
        print(f"{name:<44}{t:>9.2f}{rate:>12,.0f}{rate / best_peer:>13.2f}x")

    lat = asyncio.run(pop_latency(args.pop_calls, args.pop_speed))
    p50, p99 = statistics.median(lat), pct(lat, 99)
    print(f"pop latency, {args.pop_calls} concurrent calls, {len(lat)} pops: "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(lat):.2f} ms")
    print(json.dumps({"onestop_msgs_per_s": round(rates["onestop"]),
                      "onestop_decoded_share": round(decoded_share, 3),
                      "onestop_full_decode_msgs_per_s": round(rates["onestop_full"]),
                      "full_decode_ratio_vs_best_peer": round(rates["onestop_full"] / best_peer, 2),
                      "panoramisk_msgs_per_s": round(rates["panoramisk"]),
                      "asterisk_ami_msgs_per_s": round(rates["asterisk-ami"]),
                      "ratio_vs_best_peer": round(rates["onestop"] / best_peer, 2),
                      "pop_p50_ms": round(p50, 2), "pop_p99_ms": round(p99, 2)}))


def peak_concurrency(events: list[TraceEvent]) -> int:
    from cti.tracker import CallTracker

    t = CallTracker()
    peak = 0
    for e in events:
        t.handle(e.message, e.t)
        peak = max(peak, len(t.calls))
    return peak


if __name__ == "__main__":
    main()
