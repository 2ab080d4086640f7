"""SMS throughput: work orders through 1, 2 and 4 emulated modems, outbox on SQLite (and
PostgreSQL when ONESTOP_PG_URL is set).

Each modem takes ``latency`` seconds per SMS, so the physical limit is modems × 60 / latency
messages a minute; the figure is the ratio measured ÷ limit. 600 orders at 0.05 s per
message for 1, 2 and 4 modems, then 20 orders at a realistic 3 s on one modem.
Last line: JSON with modems_1_ratio, modems_2_ratio, modems_4_ratio (SQLite).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

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


def run(db: str, url: str | None, modems: int, orders: int, latency: float) -> dict[str, float]:
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


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    dbs: list[tuple[str, str | None]] = [("sqlite", None)]
    if os.environ.get("ONESTOP_PG_URL"):
        dbs.append(("postgresql", os.environ["ONESTOP_PG_URL"]))
    rows = []
    for db, url in dbs:
        for modems in (1, 2, 4):
            rows.append(run(db, url, modems, 600, 0.05))
        rows.append(run(db, url, 1, 20, 3.0))
    print(f"{'db':<11}{'modems':>7}{'orders':>7}{'latency':>9}{'elapsed s':>10}{'msg/min':>9}{'limit':>8}{'ratio':>7}")
    for r in rows:
        print(f"{r['db']:<11}{r['modems']:>7}{r['orders']:>7}{r['latency_s']:>9}{r['elapsed_s']:>10}"
              f"{r['per_minute']:>9}{r['limit']:>8}{r['ratio']:>7}")
    fast = {r["modems"]: r["ratio"] for r in rows if r["db"] == "sqlite" and r["latency_s"] == 0.05}
    figures = {f"modems_{m}_ratio": fast[m] for m in (1, 2, 4)}
    slow = [r for r in rows if r["db"] == "sqlite" and r["latency_s"] == 3.0][0]
    figures["modems_1_3s_ratio"] = slow["ratio"]
    for r in rows:
        if r["db"] == "postgresql" and r["latency_s"] == 0.05:
            figures[f"pg_modems_{r['modems']}_ratio"] = r["ratio"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
