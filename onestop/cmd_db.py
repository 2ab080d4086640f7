"""``onestop db upgrade|downgrade|current``, ``onestop import KIND FILE`` and ``onestop seed``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from config.settings import Settings
from onestop.errors import CliError, open_store, sqlite_path
from ticketing.masterdata import KIND_ALIASES, KINDS, kind_name
from ticketing.store import Store


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="the store's schema: migrations up or down, the current revision")
    act = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = act.add_parser("upgrade", help="migrate to the latest revision (or REV)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=upgrade)
    down = act.add_parser("downgrade", help="migrate down to REV (e.g. -1, base, 0001)")
    down.add_argument("revision")
    down.set_defaults(func=downgrade)
    act.add_parser("current", help="print the store's revision").set_defaults(func=current)

    imp = sub.add_parser("import", help="import master data (or stock) from CSV (UTF-8 or GBK) or .xlsx")
    # The old spellings (phone_directory, spare_parts) are taken and mean the same kinds.
    imp.add_argument("kind", type=kind_name, choices=sorted([*KINDS, "stock"]),
                     help="what the file holds: " + ", ".join(sorted(KINDS)) + " ("
                          + ", ".join(f"{old} for {new}" for old, new in KIND_ALIASES.items())
                          + " work too), or stock: part code, quantity, unit cost — one receipt"
                          " (or with --count one stock count) booked as a stock document")
    imp.add_argument("file")
    imp.add_argument("--partial", action="store_true",
                     help="import the good rows even if some rows are bad (default: all or nothing)")
    imp.add_argument("--deactivate-missing", action="store_true",
                     help="deactivate records of this kind that the file does not list")
    imp.add_argument("--actor", default="import", help="who the audit log names (default: import)")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    stock = imp.add_argument_group("stock files")
    stock.add_argument("--count", action="store_true",
                       help="the quantities are a stock count: book the differences as an adjustment")
    stock.add_argument("--supplier", default="", help="the receipt's supplier code")
    stock.add_argument("--ref", default="", help="the delivery note or invoice number")
    stock.add_argument("--reason", default="", help="why (default: the file's name)")
    imp.set_defaults(func=import_master_data)

    seed = sub.add_parser("seed", help="load the sample hospital (and historical tickets)")
    seed.add_argument("--demo", action="store_true",
                      help="create the demo log-ins (li, wang, dispatcher, lead, manager, admin, "
                           "viewer) with the password 'demo'")
    seed.add_argument("--tickets", type=int, default=0, metavar="N", help="add N historical tickets")
    seed.add_argument("--days", type=int, default=365, metavar="D", help="spread over D days (365)")
    seed.add_argument("--via-service", action="store_true",
                      help="create the tickets through the ticket commands (slow, full timeline) "
                           "instead of the bulk path (ticket rows and rollup only)")
    seed.set_defaults(func=seed_command)


def _store(settings: Settings) -> Store:
    # Alembic logs each plugin at INFO: noise on a command line unless -v was given.
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return Store(settings.resolved_database_url())


def upgrade(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        store.upgrade(args.revision)
        print(f"store at {_revision(store)}: {store.engine.url.render_as_string(hide_password=True)}")
    finally:
        store.dispose()
    return 0


def downgrade(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        store.downgrade(args.revision)
        print(f"store at {_revision(store) or 'base (empty)'}")
    finally:
        store.dispose()
    return 0


def current(args: argparse.Namespace, settings: Settings) -> int:
    path = sqlite_path(settings.resolved_database_url())
    if path is not None and not path.exists():  # asking must not create an empty file
        raise CliError(f"no store at {path}: create it with `onestop db upgrade`")
    store = _store(settings)
    try:
        print(_revision(store) or "base (empty)")
    finally:
        store.dispose()
    return 0


def _revision(store: Store) -> str:
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        return ",".join(MigrationContext.configure(conn).get_current_heads())


def import_master_data(args: argparse.Namespace, settings: Settings) -> int:
    from ticketing.imports import import_file

    try:
        with open(args.file, "rb"):
            pass
    except OSError as exc:  # before the store: the file is what the person typed last
        raise CliError(f"import {args.kind}: cannot read {args.file}: {exc.strerror or exc}") from None
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.kind == "stock":
        return _import_stock(args, settings)
    store = open_store(settings)
    try:
        report = import_file(store, args.kind, args.file, actor=args.actor, partial=args.partial,
                             deactivate_missing=args.deactivate_missing)
    finally:
        store.dispose()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.file_error:
        raise CliError(f"import {args.kind}: {report.file_error}")
    else:
        print(report.format())
        if report.errors and not report.applied:
            print("nothing was imported; fix the rows above or use --partial", file=sys.stderr)
    return 0 if report.ok else 1


def _import_stock(args: argparse.Namespace, settings: Settings) -> int:
    """A stock file as one document, through the core (a count may raise low-stock alerts)."""
    from onestop.cmd_tickets import composer_for
    from onestop.core import build_core
    from ticketing.imports import ImportFileError, read_sheet
    from ticketing.stock_import import import_stock

    try:
        sheet = read_sheet(args.file)
    except ImportFileError as exc:
        raise CliError(f"import stock: {exc}") from None
    core = build_core(settings, composer=composer_for(settings), store=open_store(settings), upgrade=False)
    try:
        result = import_stock(core.service, sheet, actor=args.actor,
                              mode="count" if args.count else "receipt", supplier_code=args.supplier,
                              ref=args.ref, reason=args.reason)
    finally:
        core.close()
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        print(result.format())
        if result.report.errors:
            print("nothing was imported; fix the rows above", file=sys.stderr)
    return 0 if result.report.ok else 1


def seed_command(args: argparse.Namespace, settings: Settings) -> int:
    from ticketing.seed import seed_hospital

    store = _store(settings)
    try:
        store.upgrade()
        report = seed_hospital(store, demo_users=args.demo)
        out: dict[str, Any] = report.as_dict()
        if args.tickets > 0:
            out["tickets"] = _seed_tickets(args, settings, store)
    finally:
        store.dispose()
    print(json.dumps(out, ensure_ascii=False))
    if report.admin_password:
        print(f"created log-in 'admin' with password: {report.admin_password}  (shown once)",
              file=sys.stderr)
    return 0


def _seed_tickets(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from ticketing.calendar import BusinessCalendar
    from ticketing.catalog import Catalog
    from ticketing.seed import bulk_tickets

    catalog = Catalog.load(settings.resolved_catalog_file())
    calendar = BusinessCalendar.load(settings.resolved_calendar_file(), settings.timezone)
    if not args.via_service:
        return bulk_tickets(store, args.tickets, args.days, catalog, calendar)
    from onestop.cmd_tickets import composer_for
    from ticketing.fakes import FixedClock
    from ticketing.seed import tickets_via_service
    from ticketing.service import TicketService

    clock = FixedClock()
    service = TicketService(store, clock, catalog, calendar, composer_for(settings))
    return tickets_via_service(service, clock, args.tickets, args.days)
