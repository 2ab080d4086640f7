"""SMS throughput: work orders through 1, 2 and 4 emulated modems, the core outbox on SQLite
and on PostgreSQL side by side.

Each modem takes ``latency`` seconds per SMS, so the physical limit is modems × 60 / latency
messages a minute; the figure is the ratio measured ÷ limit. 600 orders at 0.05 s per
message for 1, 2 and 4 modems, then 20 orders at a realistic 3 s on one modem, on each store.
PostgreSQL: ``ONESTOP_PG_URL`` (its tables are dropped), else a database of this bench's own
on the local server ``.ci/pg-start`` starts; ``--skip-pg`` leaves it out.
Last line: JSON with every figure; modems_1_ratio, modems_2_ratio, modems_4_ratio are SQLite's,
pg_modems_… PostgreSQL's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from modem.emulator import ModemEmulator, Settings  # noqa: E402
from modem.gateway import ModemGateway  # noqa: E402
from modem.sender import SmsSender  # noqa: E402
from ticketing.model import SmsOut  # noqa: E402
from ticketing.outbox import SmsOutbox  # noqa: E402
from ticketing.ports import SystemClock  # noqa: E402
from ticketing.store import Store  # noqa: E402


def order_text(n: int) -> str:
    # one part (≤ 70 UCS-2 characters): the limit counts messages, the modem counts parts
    return f"【工单{n}】维修 1号楼3F305 灯不亮 报修人6123 09:30前接单 回复:接单 {n}"


def pg_url() -> str:
    url = os.environ.get("ONESTOP_PG_URL", "")
    if url:
        return url
    out = subprocess.run([str(ROOT / ".ci" / "pg-start")], check=True, capture_output=True, text=True)
    server = out.stdout.strip().rsplit("/", 1)[0]
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # our own database: other benches drop theirs' tables
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'onestop_bench_sms'")).first():
            conn.execute(text("CREATE DATABASE onestop_bench_sms"))
    admin.dispose()
    return server + "/onestop_bench_sms"


def fresh_store(url: str | None) -> Store:
    if url:
        store = Store(url)
        with store.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        store = Store(f"sqlite:///{tempfile.mkdtemp(prefix='sms-bench-')}/bench.sqlite")
    store.upgrade()
    return store


def queue_orders(store: Store, count: int) -> None:
    now = SystemClock().now()
    with store.session() as s:
        s.add_all(SmsOut(number=f"1380000{n % 10000:04d}", text=order_text(n), kind="order", status="queued",
                         attempts=0, due_at=now, created_at=now, references=[], parts=0, modem="", error="")
                  for n in range(1, count + 1))


def run(db: str, url: str | None, modems: int, orders: int, latency: float) -> dict[str, Any]:
    store = fresh_store(url)
    queue_orders(store, orders)
    outbox = SmsOutbox(store, SystemClock())
    emus = [ModemEmulator(settings=Settings(latency_s=latency), name=f"e{i}").start() for i in range(modems)]
    gws = [ModemGateway(f"m{i}", e.path, sweep_interval_s=5.0).start() for i, e in enumerate(emus)]
    try:
        for g in gws:
            assert g.wait_connected(10), g.health.last_error
        start = time.monotonic()
        sender = SmsSender(outbox, gws, poll_s=0.05).start()
        while sum(len(e.sent) for e in emus) < orders and time.monotonic() - start < orders * latency * 3 + 30:
            time.sleep(0.01)
        elapsed = max(e.sent[-1].at for e in emus if e.sent) - start
        sender.stop()
        sent = sum(len(e.sent) for e in emus)
        texts = [t for e in emus for ts in e.delivered_texts().values() for t in ts]
        if not (sent == orders and len(set(texts)) == orders):
            with store.session() as s:
                bad = [(r.id, r.status, r.attempts, r.error) for r in s.query(SmsOut).filter(
                    SmsOut.status.notin_(("sent", "delivered")))]
            raise SystemExit(f"{sent} sent, {len(set(texts))} distinct; not sent: {bad[:5]} "
                             f"stats {sender.stats} health {[g.health for g in gws]}")
    finally:
        for g in gws:
            g.stop()
        for e in emus:
            e.stop()
        store.dispose()
    per_min = orders / elapsed * 60
    limit = modems * 60 / latency
    return {"db": db, "modems": modems, "orders": orders, "latency_s": latency, "elapsed_s": round(elapsed, 2),
            "per_minute": round(per_min, 1), "limit": round(limit, 1), "ratio": round(per_min / limit, 3)}


CASES = ((1, 600, 0.05), (2, 600, 0.05), (4, 600, 0.05), (1, 20, 3.0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip-pg", action="store_true", help="SQLite only")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    dbs: list[tuple[str, str | None]] = [("sqlite", None)]
    if not args.skip_pg:
        dbs.append(("postgresql", pg_url()))
    results: dict[tuple[str, int, int, float], dict[str, float]] = {}
    for db, url in dbs:
        for modems, orders, latency in CASES:
            results[(db, modems, orders, latency)] = run(db, url, modems, orders, latency)
    names = [db for db, _ in dbs]
    print(f"{'modems':>6}{'orders':>7}{'latency':>9}{'limit/min':>10}"
          + "".join(f"{db + ' msg/min':>20}{'ratio':>7}" for db in names))
    figures: dict[str, float] = {}
    for modems, orders, latency in CASES:
        cells = [results[(db, modems, orders, latency)] for db in names]
        print(f"{modems:>6}{orders:>7}{latency:>8}s{cells[0]['limit']:>10}"
              + "".join(f"{c['per_minute']:>20}{c['ratio']:>7}" for c in cells))
        for db, c in zip(names, cells, strict=True):
            key = f"{'pg_' if db == 'postgresql' else ''}modems_{modems}{'_3s' if latency == 3.0 else ''}"
            figures[key + "_ratio"] = c["ratio"]
            figures[key + "_per_minute"] = c["per_minute"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
