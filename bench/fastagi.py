"""FastAGI server throughput and command round trip at 500 concurrent sessions.

The server (real handlers, in-memory ports) runs on this process's event loop; the Asterisk
side runs in a child process so the two do not share one interpreter (2 cores: one each).
Every session is a full menu walk: environment, VERBOSE, main prompt, an invalid key, the
error prompt and the menu again, a valid key, then the channel variables (10 commands).
Round trip = the client's reply sent → the server's next command received, i.e. how long
Asterisk (and the caller) waits on the IVR per command.

    .venv/bin/python bench/fastagi.py [--sessions 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.fakes import FakeDirectory, FakeSelfService, FixedHours  # noqa: E402
from ivr.hotline import HotlineIvr  # noqa: E402
from ivr.menu import MenuSource  # noqa: E402
from ivr.server import FastAgiServer  # noqa: E402

ENV = ("agi_network: yes\nagi_network_script: ivr\nagi_request: agi://127.0.0.1:4573/ivr\n"
       "agi_channel: IAX2/127.0.0.1:4569-{n}\nagi_language: en\nagi_type: IAX2\n"
       "agi_uniqueid: 1795487664.{n}\nagi_callerid: 6{n:03d}\nagi_calleridname: Caller {n}\n"
       "agi_context: from-pstn\nagi_extension: 6001\nagi_priority: 3\n\n")


async def _session(port: int, n: int, rtts: list[float], pace_s: float) -> bool:
    rng = random.Random(n)
    await asyncio.sleep(rng.uniform(0, pace_s))  # calls arrive spread, not in lock step
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    keys = ["7", str(1 + n % 5)]
    writer.write(ENV.format(n=n).encode())
    sent = time.perf_counter()
    ok = False
    while line := await reader.readline():
        rtts.append(time.perf_counter() - sent)
        if line.startswith(b"WAIT FOR DIGIT"):
            await asyncio.sleep(rng.uniform(0, pace_s))  # the caller thinks
            reply = f"200 result={ord(keys.pop(0))}\n".encode()
        elif line.startswith(b"STREAM FILE"):
            await asyncio.sleep(rng.uniform(0, pace_s))  # the prompt plays
            reply = b"200 result=0 endpos=8000\n"
        else:
            ok = ok or line.startswith(b'SET VARIABLE "IVR_ACTION" "queue"')
            reply = b"200 result=1\n"
        sent = time.perf_counter()
        writer.write(reply)
    writer.close()
    return ok


def _client(port: int, sessions: int, pace_s: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    async def run() -> tuple[list[float], int, float]:
        rtts: list[float] = []
        t0 = time.perf_counter()
        oks = await asyncio.gather(*(_session(port, n, rtts, pace_s) for n in range(sessions)))
        return rtts, sum(oks), time.perf_counter() - t0

    out.put(asyncio.run(run()))


async def _bench(sessions: int, pace_s: float) -> dict[str, float]:
    handler = HotlineIvr(MenuSource(), FixedHours(True), FakeDirectory(), FakeSelfService())
    server = FastAgiServer({"ivr": handler}, "127.0.0.1", 0)
    port = await server.start()
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_client, args=(port, sessions, pace_s, queue))
    proc.start()
    loop = asyncio.get_running_loop()
    rtts, ok, elapsed = await loop.run_in_executor(None, queue.get)
    await loop.run_in_executor(None, proc.join)
    await server.stop()
    rtts.sort()
    return {"sessions": sessions, "completed": ok, "commands": len(rtts), "elapsed_s": elapsed,
            "sessions_per_s": sessions / elapsed,
            "roundtrip_p50_ms": statistics.median(rtts) * 1000,
            "roundtrip_p99_ms": rtts[int(len(rtts) * 0.99) - 1] * 1000,
            "server_completed": server.stats.completed, "server_errors": server.stats.errors,
            "peak_concurrent": server.stats.peak_active}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--pace", type=float, default=2.0, help="max seconds per prompt / key press")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # paced: 500 calls open at once, prompts and key presses take 0–pace s (scaled-down human
    # time), as on a real line; burst: no think time at all, every command in lock step.
    runs = {"paced": asyncio.run(_bench(args.sessions, args.pace)),
            "burst": asyncio.run(_bench(args.sessions, 0.0))}
    rows = [("sessions", "sessions", "d"), ("peak concurrent on server", "peak_concurrent", "d"), ("menu walks completed", "completed", "d"),
            ("server errors", "server_errors", "d"), ("commands answered", "commands", "d"),
            ("wall time (s)", "elapsed_s", ".3f"), ("sessions/s", "sessions_per_s", ".1f"),
            ("round trip p50 (ms)", "roundtrip_p50_ms", ".3f"),
            ("round trip p99 (ms)", "roundtrip_p99_ms", ".3f")]
    print(f"{'':<27}{'paced':>12}{'burst':>12}")
    for label, key, fmt in rows:
        print(f"{label:<27}" + "".join(f"{format(r[key], fmt):>12}" for r in runs.values()))
    r = runs["paced"]
    print(json.dumps({k: round(r[k], 3) if isinstance(r[k], float) else r[k] for k in
                      ("sessions", "sessions_per_s", "roundtrip_p50_ms", "roundtrip_p99_ms")}))


if __name__ == "__main__":
    main()
