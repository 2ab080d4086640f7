"""``onestop qr``: the rooms' QR labels (扫码报修) and the links the center hands out.

    onestop qr labels --building 住院部B --floor 3 --out labels.pdf    # A4 sheets, 15 a page
    onestop qr labels --room 30301 --room 30302 --printer desk        # on the slip printer
    onestop qr labels --building 住院部B --escpos labels.bin          # ESC/POS bytes to a file
    onestop qr revoke 30301                 # that room's printed codes stop working
    onestop qr worker-link W001 [--send]    # a worker's list of open orders (by SMS)

The links are signed with ``[web] link_secret`` (or the web secret in the data directory) and
open at ``[web] base_url``: run it with the settings the center runs with (for the demo's
store, the export line the demo prints).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings

MAX_ROOMS = 500


def register(sub: Any) -> None:
    p = sub.add_parser("qr", help="rooms' QR labels for reporting from a phone, and link upkeep")
    act = p.add_subparsers(dest="qr_command", metavar="ACTION", required=True)
    lab = act.add_parser("labels", help="print the rooms' QR labels (PDF, A4; or the slip printer)")
    lab.add_argument("--building", default="", help="the building's name, as in the location records")
    lab.add_argument("--floor", default="", help="one floor of it")
    lab.add_argument("--room", action="append", default=[], metavar="CODE", help="a room's code (repeatable)")
    out = lab.add_mutually_exclusive_group(required=True)
    out.add_argument("--out", metavar="FILE.pdf", help="write A4 label sheets as a PDF")
    out.add_argument("--printer", metavar="NAME", help="queue them for this slip printer")
    out.add_argument("--escpos", metavar="FILE", help="write the ESC/POS bytes to a file")
    lab.add_argument("--lang", choices=("zh-CN", "en"), default=None, help="the labels' language")
    lab.set_defaults(func=labels)
    rev = act.add_parser("revoke", help="withdraw a room's printed codes (print it again after)")
    rev.add_argument("codes", nargs="+", metavar="CODE")
    rev.add_argument("--actor", default="cli")
    rev.set_defaults(func=revoke)
    wl = act.add_parser("worker-link", help="a worker's link to their open work orders")
    wl.add_argument("staff")
    wl.add_argument("--send", action="store_true", help="send it to the worker by SMS")
    wl.add_argument("--revoke", action="store_true", help="withdraw the worker's earlier links first")
    wl.add_argument("--actor", default="cli")
    wl.set_defaults(func=worker_link)


def _core(settings: Settings) -> Any:
    from onestop.cmd_tickets import composer_for
    from onestop.core import build_core
    from onestop.errors import open_store

    return build_core(settings, composer=composer_for(settings), store=open_store(settings),
                      upgrade=False)


def labels(args: argparse.Namespace, settings: Settings) -> int:
    from onestop.errors import CliError
    from ticketing.service import TicketError

    if not (args.building or args.room):
        raise CliError("name the rooms: --building NAME [--floor N] or --room CODE (repeatable)")
    core = _core(settings)
    try:
        service = core.service
        codes = service.label_rooms(args.building, args.floor, tuple(args.room), MAX_ROOMS)
        if not codes:
            raise CliError(f"no active rooms match --building {args.building!r} --floor {args.floor!r}"
                           f" --room {' '.join(args.room) or '-'}; `onestop tickets` and the admin "
                           "page list the locations")
        if len(codes) > MAX_ROOMS:
            raise CliError(f"more than {MAX_ROOMS} rooms: narrow it with --floor or --room")
        missing = sorted(set(args.room) - set(codes))
        if missing:
            print(f"onestop: not active rooms, left out: {', '.join(missing)}", file=sys.stderr)
        language = args.lang or settings.language
        if args.printer:
            job = service.queue_labels(f"cli:{args.printer}", codes, args.printer)
            print(f"{len(codes)} labels queued for printer {args.printer} (print job {job})")
            return 0
        rows = [dict(room, url=url) for room, url in service.room_links(codes)]
    except TicketError as exc:
        raise CliError(str(exc)) from None
    finally:
        core.close()
    if args.out:
        from receipts.labels import label_sheet_pdf

        _write(Path(args.out), label_sheet_pdf(rows, settings.center_name, language))
        pages = -(-len(rows) // 15)
        print(f"{len(rows)} labels on {pages} A4 page{'s' if pages > 1 else ''}: {args.out}"
              f" (the codes open {rows[0]['url'].rsplit('/r/', 1)[0]})")
    else:
        from receipts.escpos import encode
        from receipts.labels import label_lines
        from receipts.profile import PrinterProfile

        printers = settings.printer.printers
        profile = PrinterProfile.from_settings(printers[0]) if printers else PrinterProfile()
        _write(Path(args.escpos), encode(label_lines(rows, profile, settings.center_name, language), profile))
        print(f"{len(rows)} labels as ESC/POS for a {profile.paper_mm} mm printer: {args.escpos}")
    return 0


def _write(path: Path, data: bytes) -> None:
    from onestop.errors import CliError

    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def revoke(args: argparse.Namespace, settings: Settings) -> int:
    from onestop.errors import CliError
    from ticketing.service import TicketError

    core = _core(settings)
    try:
        for code in args.codes:
            version = core.service.revoke_link(args.actor, "room", code)
            print(f"room {code}: earlier codes withdrawn (now version {version}); print its label again")
    except TicketError as exc:
        raise CliError(str(exc)) from None
    finally:
        core.close()
    return 0


def worker_link(args: argparse.Namespace, settings: Settings) -> int:
    from onestop.errors import CliError
    from ticketing.service import TicketError

    core = _core(settings)
    try:
        if args.revoke:
            core.service.revoke_link(args.actor, "worker", args.staff)
        if args.send:
            sms = core.service.send_list_link(args.actor, args.staff)
            print(f"sent to {args.staff} (SMS {sms})")
        else:
            print(core.service.worker_list_url(args.staff))
    except TicketError as exc:
        raise CliError(str(exc)) from None
    finally:
        core.close()
    return 0
