"""``onestop modem emulate | status | send NUMBER TEXT``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from config.settings import ModemPort, Settings


def register(sub: Any) -> None:
    p = sub.add_parser("modem", help="GSM modems: run an emulator, show health, queue an SMS")
    cmd = p.add_subparsers(dest="modem_command", metavar="ACTION", required=True)
    emu = cmd.add_parser("emulate", help="run an emulated modem on a pty and print its device path")
    emu.add_argument("--link", help="stable device path (a symlink to the pty); default: a temp dir")
    emu.add_argument("--latency", type=float, default=0.0, help="seconds per submitted SMS")
    emu.add_argument("--no-cscs", action="store_true", help="answer ERROR to +CSCS like some modems")
    emu.add_argument("--pin", default="", help="SIM PIN the emulator asks for")
    emu.set_defaults(func=emulate)
    st = cmd.add_parser("status", help="connect to each configured modem and print its health (JSON)")
    st.add_argument("--timeout", type=float, default=10.0)
    st.set_defaults(func=status)
    send = cmd.add_parser("send", help="queue an SMS in the outbox (the sender sends it)")
    send.add_argument("number")
    send.add_argument("text")
    send.set_defaults(func=queue_sms)


def emulate(args: argparse.Namespace, settings: Settings) -> int:
    from modem.emulator import ModemEmulator
    from modem.emulator import Settings as EmuSettings

    emu = ModemEmulator(args.link, EmuSettings(latency_s=args.latency, supports_cscs=not args.no_cscs,
                                               pin=args.pin)).start()
    print(emu.path, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
        print(json.dumps({"sent": len(emu.sent), "stored": len(emu.storage)}), file=sys.stderr)
    return 0


def status(args: argparse.Namespace, settings: Settings) -> int:
    from modem.emulator import ModemEmulator
    from modem.gateway import ModemGateway

    ports = settings.modem.modems or [ModemPort()]
    worst = 0
    for port in ports:
        emu = ModemEmulator(name=port.name).start() if settings.modem.emulate or not port.port else None
        gw = ModemGateway(port.name, emu.path if emu else port.port, baudrate=port.baudrate, pin=port.pin,
                          smsc=settings.modem.smsc).start()
        try:
            ok = gw.wait_connected(args.timeout)
            print(json.dumps(dict(gw.health.as_dict(), port=gw.port, emulated=emu is not None),
                             ensure_ascii=False))
            worst = max(worst, 0 if ok else 1)
        finally:
            gw.stop()
            if emu:
                emu.stop()
    return worst


def queue_sms(args: argparse.Namespace, settings: Settings) -> int:
    from modem.encoding import InvalidNumber, normalise_number
    from onestop.errors import open_store
    from ticketing.model import SmsOut
    from ticketing.ports import SystemClock

    try:
        number = normalise_number(args.number)
    except InvalidNumber as exc:
        print(f"onestop: {exc}", file=sys.stderr)
        return 2
    store = open_store(settings)
    now = SystemClock().now()
    try:
        with store.session() as s:
            row = SmsOut(number=number, text=args.text, kind="manual", status="queued", attempts=0,
                         due_at=now, created_at=now, references=[], parts=0, modem="", error="")
            s.add(row)
            s.flush()
            print(json.dumps({"id": row.id, "number": number, "status": "queued"}))
    finally:
        store.dispose()
    return 0
