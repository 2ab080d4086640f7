"""``onestop demo``: the whole center on this machine with embedded defaults."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
from pathlib import Path

from config.settings import Settings
from onestop.cmd_serve import apply_http
from onestop.demo import banner, running_demo, start_callers


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run the whole center with an emulated PBX, modem, printer and people")
    p.add_argument("--http", metavar="HOST:PORT", default="127.0.0.1:8080", help="where the desk listens")
    p.add_argument("--data-dir", help="where the demo keeps its SQLite file (default: <data dir>/demo)")
    p.add_argument("--fresh", action="store_true", help="start from an empty store")
    p.add_argument("--calls", type=int, default=None, help="stop placing calls after this many")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--no-history", action="store_true",
                   help="seed no past tickets (by default a new store gets last month's and this"
                        " month's, for the 考核 pages and `onestop report monthly`)")
    p.set_defaults(func=demo)


def demo(args: argparse.Namespace, settings: Settings) -> int:
    apply_http(settings, args.http)
    data_dir = Path(args.data_dir) if args.data_dir else settings.resolved_data_dir() / "demo"
    if args.fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    asyncio.run(_run(settings, data_dir, args.calls, args.duration, not args.no_history))
    return 0


async def _run(settings: Settings, data_dir: Path, calls: int | None, duration: float | None,
               history: bool = True) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with running_demo(settings, data_dir, history=history, stage_day=True,
                            phone_only_workers=1) as running:
        print(banner(running), flush=True)
        start_callers(running, calls)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)
