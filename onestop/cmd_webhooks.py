"""``onestop webhooks deliver | list``: run the webhook feed and sender on their own (the center's
``serve`` runs them too), or list the subscriptions."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from typing import Any

from config.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("webhooks", help="webhooks: deliver them, list the subscriptions")
    cmd = p.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    run = cmd.add_parser("deliver", help="read new events and send the deliveries until stopped")
    run.add_argument("--lease", type=float, default=None, help="seconds a delivery stays leased (default: settings)")
    run.add_argument("--timeout", type=float, default=None, help="seconds to wait for a receiver (default: settings)")
    run.add_argument("--poll", type=float, default=None, help="seconds between looks for events (default: settings)")
    run.set_defaults(func=deliver)
    ls = cmd.add_parser("list", help="the subscriptions, as JSON (secrets left out)")
    ls.set_defaults(func=list_subscriptions)


def deliver(args: argparse.Namespace, settings: Settings) -> int:
    from onestop.core import build_core
    from onestop.facilities import WebhooksPart

    w = settings.webhooks
    for name in ("lease", "timeout", "poll"):
        value = getattr(args, name)
        if value is not None:
            setattr(w, {"lease": "lease_s", "timeout": "timeout_s", "poll": "poll_s"}[name], value)
    core = build_core(settings)
    try:
        asyncio.run(_run(WebhooksPart(core)))
    finally:
        core.close()
    return 0


async def _run(part: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await part.start()
    print(f"delivering webhooks as {part.sender.worker}", flush=True)
    try:
        await stop.wait()
    finally:
        await part.stop()


def list_subscriptions(args: argparse.Namespace, settings: Settings) -> int:
    from onestop.core import build_core
    from onestop.facilities import build_webhooks

    core = build_core(settings)
    try:
        print(json.dumps(build_webhooks(core).subscriptions(), ensure_ascii=False, indent=2))
    finally:
        core.close()
    return 0
