"""Desk figures: screen-pop latency (hub publish → SSE event at the client) with 50 operators
connected, and the desk page's load time with a million tickets in the store: the server's answer
alone, and in Chromium from navigation start to the page's ready mark (the list shown and the
live stream open).

The server runs in a child process (as in production, apart from the clients); pops are
published from a non-loop thread there, as the CTI adapter does. Each pop carries its wall-clock
send time; clients on the same machine subtract it on receipt. One real Chromium page (when
/usr/bin/chromium exists) measures the same in the browser.

    .venv/bin/python bench/desk.py [--tickets 1000000] [--pops 200] [--clients 50]

Prints a table, then one JSON line: pop_e2e_p50_ms, pop_e2e_p99_ms, desk_page_ms,
desk_ready_p50_ms, desk_ready_p99_ms, …
Every pop is addressed to one operator and counted by its id: the JSON line says how many
arrived (``pops_received``, ``pops_lost``, ``pops_duplicated``), and the bench exits 1 when
one was lost or doubled — a latency over the pops that arrived says nothing of those that
did not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

PASSWORD = "bench-password-1"
CHROMIUM = "/usr/bin/chromium"


# --- the store ----------------------------------------------------------------------------

def build_store(path: Path, tickets: int, operators: int) -> float:
    """A migrated SQLite store with a few master rows, users and ``tickets`` tickets."""
    from ticketing.model import Location, OrgUnit, Staff, User
    from ticketing.store import Store
    from web.security import hash_password

    store = Store(f"sqlite:///{path}")
    store.upgrade()
    hashed = hash_password(PASSWORD)
    with store.session() as s:
        s.add_all([OrgUnit(code=f"D{i:02d}", name=f"科室{i}") for i in range(1, 21)])
        s.add_all([Location(code=f"{b}{f:02d}{r:02d}", campus="本部", building=f"{b}号楼",
                            floor=str(f), room=f"{f}{r:02d}", org_code=f"D{(b * f) % 20 + 1:02d}")
                   for b in range(1, 6) for f in range(1, 9) for r in range(1, 21)])
        s.add_all([Staff(code=f"W{i:03d}", name=f"师傅{i}", role="worker", team="T01",
                         skills="repair,cleaning,transport", phone=f"138{i:08d}") for i in range(1, 41)])
        s.add_all([User(username=f"op{i:02d}", display_name=f"话务员{i}", role="operator",
                        password_hash=hashed, failed_attempts=0, active=True)
                   for i in range(1, operators + 1)])
    store.dispose()
    t0 = time.perf_counter()
    _bulk_tickets(path, tickets)
    return time.perf_counter() - t0


def _bulk_tickets(path: Path, n: int) -> None:
    # Raw sqlite3: SQLAlchemy's per-row processing would take minutes for a million rows.
    rnd = random.Random(7)
    now = datetime.now(UTC).replace(tzinfo=None)
    locs = [f"{b}{f:02d}{r:02d}" for b in range(1, 6) for f in range(1, 9) for r in range(1, 21)]
    cols = ("service_type", "priority", "status", "source", "location_code", "org_code",
            "reporter_name", "reporter_phone", "description", "details", "operator", "assignee",
            "created_at", "response_due", "completion_due", "escalation_level", "breach_notified",
            "reopen_count", "version", "response_s", "completion_s", "satisfaction_comment", "assessment")
    sql = f"INSERT INTO ticket ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    batch = []
    for i in range(n):
        created = now - timedelta(seconds=(n - i) * 31_536_000 / n)
        recent = i > n - 400
        status = rnd.choice(("accepted", "dispatched", "in_progress")) if recent else \
            rnd.choice(("done", "called_back", "assessed", "assessed", "cancelled"))
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        batch.append((rnd.choice(("repair", "cleaning", "transport", "oxygen", "meals")), "normal",
                      status, "phone", rnd.choice(locs), "D01", "张护士", f"6{rnd.randrange(1000):03d}",
                      "灯不亮 / 水龙头漏水 / 需要推床", "{}", "op01", f"W{rnd.randrange(1, 41):03d}",
                      created.strftime(fmt), (created + timedelta(minutes=30)).strftime(fmt),
                      (created + timedelta(hours=4)).strftime(fmt), 0, 0, 0, 1,
                      None if recent else rnd.randrange(60, 3600),
                      None if recent else rnd.randrange(600, 14400), "", ""))
        if len(batch) == 50_000:
            con.executemany(sql, batch)
            batch.clear()
    if batch:
        con.executemany(sql, batch)
    con.commit()
    con.execute("ANALYZE")
    con.close()


# --- the server (child process) -------------------------------------------------------------

def serve(db: str, data_dir: str) -> None:
    """Child: run the app; on stdin ``pops N RATE CLIENTS`` publish N pops from a thread."""
    from config.settings import Settings, WebSettings
    from onestop.core import build_core
    from ticketing.fakes import PlainComposer
    from web.app import create_app
    from web.deps import WebDeps
    from web.live import LiveHub
    from web.server import ThreadedServer

    settings = Settings(database_url=f"sqlite:///{db}", data_dir=data_dir,
                        web=WebSettings(secret_key="bench-secret-" + "x" * 20))
    core = build_core(settings, composer=PlainComposer(), upgrade=False)
    hub = LiveHub()
    deps = WebDeps(settings=settings, store=core.store, service=core.service, clock=core.clock,
                   sms_outbox=core.sms_outbox, print_queue=core.print_queue,
                   survey_queue=core.survey_queue, hub=hub)
    server = ThreadedServer(create_app(deps)).start()
    print(f"PORT {server.port}", flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if cmd and cmd[0] == "pops":
            n, rate, clients = int(cmd[1]), float(cmd[2]), int(cmd[3])
            threading.Thread(target=_publish_pops, args=(hub, n, rate, clients)).start()
        elif cmd and cmd[0] == "quit":
            break
    server.stop()


def _publish_pops(hub: object, n: int, rate: float, clients: int) -> None:
    for i in range(n):
        login = f"op{i % clients + 1:02d}"
        hub.publish_pop(login, {"uniqueid": f"bench.{i}", "caller_num": f"6{i % 1000:03d}",  # type: ignore[attr-defined]
                                "caller_name": "张护士", "ivr_choice": "repair",
                                "sent_ms": time.time() * 1000})
        time.sleep(1 / rate)


# --- the clients (parent) ------------------------------------------------------------------

def login(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=30)
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if r.status_code != 303:
        raise RuntimeError(f"log-in as {username} failed: {r.status_code}")
    return c


async def sse_client(base: str, cookie: str, got: list[tuple[str, float]], ready: asyncio.Event,
                     stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=None,
                                 cookies={"onestop_session": cookie}) as c, \
            c.stream("GET", "/api/events?kinds=pop,ticket") as resp:
        event = ""
        async for line in resp.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                if event == "hello":
                    ready.set()
            elif line.startswith("data:") and event == "pop":
                pop = json.loads(line[5:])
                got.append((pop["uniqueid"], time.time() * 1000 - pop["sent_ms"]))
            if stop.is_set():
                return


async def pop_run(base: str, cookies: list[str], n: int, rate: float,
                  child: subprocess.Popen) -> list[tuple[str, float]]:  # type: ignore[type-arg]
    """(pop id, latency in ms) of every pop event the clients received, in arrival order."""
    got: list[tuple[str, float]] = []
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in cookies]
    tasks = [asyncio.create_task(sse_client(base, c, got, r, stop)) for c, r in zip(cookies, readies, strict=True)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
    child.stdin.write(f"pops {n} {rate} {len(cookies)}\n")  # type: ignore[union-attr]
    child.stdin.flush()  # type: ignore[union-attr]
    deadline = time.monotonic() + n / rate + 10
    while len(got) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return got


def chromium_spot(base: str, child: subprocess.Popen, n: int = 20) -> list[float]:  # type: ignore[type-arg]
    if not os.path.exists(CHROMIUM):
        return []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = b.new_context(bypass_csp=True).new_page()
        page.goto(base + "/login")
        page.fill("input[name=username]", "op01")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/desk")
        page.wait_for_function("window.__live && window.__live.readyState === 1")
        page.evaluate("""() => { window.__lat = [];
            window.__live.addEventListener('pop', e => window.__lat.push(Date.now() - JSON.parse(e.data).sent_ms)); }""")
        child.stdin.write(f"pops {n} 20 1\n")  # type: ignore[union-attr]
        child.stdin.flush()  # type: ignore[union-attr]
        page.wait_for_function(f"window.__lat.length >= {n}", timeout=30_000)
        lat = page.evaluate("window.__lat")
        b.close()
    return [float(x) for x in lat]


def desk_ready(base: str, loads: int = 40) -> list[float]:
    """The desk page in Chromium, ``loads`` times: navigation start → the page's ready mark
    (``performance.mark("onestop:ready")``: the list shown and the live stream open), ms."""
    if not os.path.exists(CHROMIUM):
        return []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = b.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.goto(base + "/login")
        page.fill("input[name=username]", "op01")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/desk")
        got = []
        for i in range(loads + 3):  # the first loads warm the browser's cache of scripts and styles
            page.goto(base + "/desk")
            page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
            ms = page.evaluate("performance.getEntriesByName('onestop:ready')[0].startTime")
            if i >= 3:
                got.append(float(ms))
        b.close()
    return got


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round((len(values) - 1) * p / 100)))], 2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--pops", type=int, default=200)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rate", type=float, default=100.0, help="pops per second")
    ap.add_argument("--loads", type=int, default=40, help="desk page loads in Chromium")
    ap.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(*args.serve)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="onestop-bench-desk-"))
    db = tmp / "desk.sqlite"
    print(f"building the store: {args.tickets:,} tickets …", flush=True)
    insert_s = build_store(db, args.tickets, max(args.clients, 1))
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(db), str(tmp)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline().split()[1])  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        clients = [login(base, f"op{i:02d}") for i in range(1, args.clients + 1)]
        cookies = [c.cookies["onestop_session"] for c in clients]
        arrived = asyncio.run(pop_run(base, cookies, args.pops, args.rate, child))
        browser = chromium_spot(base, child)
        ready = desk_ready(base, args.loads)
        desk = clients[0]
        desk.get("/desk")  # warm
        page_ms = []
        for _ in range(20):
            t0 = time.perf_counter()
            r = desk.get("/desk")
            r.raise_for_status()
            page_ms.append((time.perf_counter() - t0) * 1000)
        search_ms = []
        for q in ("6123", "10305", "漏水", "999999", "不存在的词"):  # the last: a full text scan
            t0 = time.perf_counter()
            desk.get("/api/tickets/search", params={"q": q}).raise_for_status()
            search_ms.append((time.perf_counter() - t0) * 1000)
        for c in clients:
            c.close()
    finally:
        if child.stdin:
            child.stdin.write("quit\n")
            child.stdin.flush()
        child.wait(20)
    ids = [pop_id for pop_id, _ in arrived]
    got = [ms for _, ms in arrived]
    lost = len({f"bench.{i}" for i in range(args.pops)} - set(ids))
    doubled = len(ids) - len(set(ids))
    figures = {
        "tickets": args.tickets, "sse_clients": args.clients, "pops": args.pops,
        "pops_received": len(set(ids)), "pops_lost": lost, "pops_duplicated": doubled,
        "pop_e2e_p50_ms": pct(got, 50), "pop_e2e_p99_ms": pct(got, 99),
        "chromium_pop_p50_ms": pct(browser, 50), "chromium_pop_max_ms": round(max(browser), 2) if browser else None,
        "desk_page_ms": round(statistics.median(page_ms), 1), "desk_page_max_ms": round(max(page_ms), 1),
        "search_max_ms": round(max(search_ms), 1), "bulk_insert_s": round(insert_s, 1),
        "desk_ready_p50_ms": pct(ready, 50), "desk_ready_p99_ms": pct(ready, 99), "desk_ready_loads": len(ready),
    }
    print(f"\n{'figure':<24}{'value':>14}")
    for k, v in figures.items():
        print(f"{k:<24}{v!s:>14}")
    print(json.dumps(figures))
    if lost or doubled:
        print(f"FAILED: {lost} of {args.pops} pops lost, {doubled} arrived twice", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
