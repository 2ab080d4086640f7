"""``onestop receipts printer-emulate`` (a capture printer on TCP), ``onestop receipts sample``
(render a sample slip to PNG / HTML / ESC/POS bytes, or send it to a configured printer) and
``onestop receipts status`` (read a configured printer's status back)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("receipts", help="work slips: sample slips, a capture printer, status")
    rc = p.add_subparsers(dest="receipts_command", metavar="ACTION", required=True)
    emu = rc.add_parser("printer-emulate", help="listen like a network printer (port 9100), "
                                                "save each job's bytes, answer DLE EOT")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=9100)
    emu.add_argument("--dir", default="", help="save each job here as job-NNNNNN.bin")
    emu.add_argument("--paper-end", action="store_true", help="answer 'paper end' to DLE EOT")
    emu.add_argument("--max-jobs", type=int, default=0, help="exit after N jobs (0: run on)")
    emu.set_defaults(func=printer_emulate)
    sample = rc.add_parser("sample", help="render a sample slip")
    sample.add_argument("--lang", default="zh-CN", choices=["zh-CN", "en"])
    sample.add_argument("--kind", default="slip", choices=["slip", "kitchen"])
    sample.add_argument("--printer", default="", help="a printer from settings (paper, code page)")
    sample.add_argument("--out", default="", help="FILE.png, FILE.html or FILE.bin (ESC/POS)")
    sample.add_argument("--send", action="store_true", help="print it on --printer")
    sample.set_defaults(func=render_sample)
    st = rc.add_parser("status", help="read the printer's status back (DLE EOT), as JSON")
    st.add_argument("--printer", default="")
    st.set_defaults(func=printer_status)


def _printer(settings: Settings, name: str) -> Any:
    printers = settings.printer.printers
    for p in printers:
        if p.name == name or not name:
            return p
    raise SystemExit(f"onestop receipts: no printer {name!r} in settings "
                     f"(known: {', '.join(p.name for p in printers) or 'none'})")


def printer_emulate(args: argparse.Namespace, settings: Settings) -> int:
    from receipts.capture import CapturePrinter

    printer = CapturePrinter(args.host, args.port, args.dir or None)
    if args.paper_end:
        printer.set_condition(paper_end=True)
    try:
        printer.start()
    except OSError as exc:
        print(f"onestop receipts printer-emulate: cannot listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 1
    print(f"capture printer on {args.host}:{printer.port}" +
          (f", jobs saved in {args.dir}" if args.dir else ""), file=sys.stderr, flush=True)
    try:
        seen = 0
        while not args.max_jobs or seen < args.max_jobs:
            jobs = printer.wait_for_jobs(seen + 1, timeout=1.0)
            for job in jobs[seen:]:
                print(json.dumps({"job": seen + 1, "bytes": len(job.data)}), flush=True)
                seen += 1
    except KeyboardInterrupt:
        pass
    finally:
        printer.stop()
    return 0


def render_sample(args: argparse.Namespace, settings: Settings) -> int:
    from receipts.escpos import encode
    from receipts.preview import png_bytes, render_html
    from receipts.profile import PrinterProfile
    from receipts.samples import sample_snapshot
    from receipts.service import build_renderer

    pdef = _printer(settings, args.printer) if (args.printer or args.send) else None
    profile = PrinterProfile.from_settings(pdef) if pdef else PrinterProfile()
    snapshot = sample_snapshot(args.lang, args.kind)
    snapshot["center_name"] = settings.center_name if args.lang == "zh-CN" else snapshot["center_name"]
    laid = build_renderer(settings).lay_out(snapshot, profile)
    data = encode(laid, profile)
    if args.send and pdef is not None:
        from receipts.transports import PrinterUnavailable, open_transport

        try:
            status = open_transport(pdef).send(data)
        except PrinterUnavailable as exc:
            print(f"onestop receipts sample: {exc}", file=sys.stderr)
            return 1
        print(json.dumps({"printer": pdef.name, "bytes": len(data), "status": status.to_dict()}))
    out = Path(args.out) if args.out else None
    if out is None:
        if not args.send:
            sys.stdout.buffer.write(data)
        return 0
    if out.suffix == ".png":
        out.write_bytes(png_bytes(laid, profile))
    elif out.suffix in (".html", ".htm"):
        out.write_text(f"<!doctype html><meta charset=utf-8>{render_html(laid, profile)}",
                       encoding="utf-8")
    else:
        out.write_bytes(data)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def printer_status(args: argparse.Namespace, settings: Settings) -> int:
    from receipts.transports import open_transport

    pdef = _printer(settings, args.printer)
    status = open_transport(pdef).status()
    print(json.dumps({"printer": pdef.name, **status.to_dict()}, ensure_ascii=False))
    return 0 if status.can_print else 1
