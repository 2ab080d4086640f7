"""``onestop tickets list|show|create|dispatch|complete`` for scripting: JSON out, exit 1 on refusal."""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from config.settings import Settings
from ticketing.ports import Composer

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("tickets", help="list, show, create, dispatch and complete tickets (JSON)")
    act = p.add_subparsers(dest="tickets_command", metavar="ACTION", required=True)
    ls = act.add_parser("list", help="one JSON line per ticket, newest first")
    ls.add_argument("--status", action="append", help="only these statuses (repeatable)")
    ls.add_argument("--type", dest="service_type", help="only this service type")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(func=list_tickets)
    show = act.add_parser("show", help="one ticket with workers, parts, calls and timeline")
    show.add_argument("id", type=int)
    show.set_defaults(func=show_ticket)
    new = act.add_parser("create", help="accept a new ticket (受理)")
    new.add_argument("--type", dest="service_type", required=True)
    new.add_argument("--location", default="", help="location code")
    new.add_argument("--description", default="")
    new.add_argument("--phone", default="", help="reporter's number")
    new.add_argument("--name", default="", help="reporter's name")
    new.add_argument("--priority", default="normal", choices=("normal", "urgent", "critical"))
    new.add_argument("--source", default="desk")
    new.add_argument("--actor", default="cli", help="the operator who owns it")
    new.set_defaults(func=create_ticket)
    disp = act.add_parser("dispatch", help="send the work order to workers (派发)")
    disp.add_argument("id", type=int)
    disp.add_argument("staff", nargs="+", help="staff codes")
    disp.add_argument("--printer", default=None)
    disp.add_argument("--no-print", action="store_true", help="no work slip")
    disp.add_argument("--actor", default="cli")
    disp.set_defaults(func=dispatch_ticket)
    done = act.add_parser("complete", help="mark the work done (办结)")
    done.add_argument("id", type=int)
    done.add_argument("--part", action="append", default=[], metavar="CODE:QTY",
                      help="spare part used (repeatable)")
    done.add_argument("--note", default="")
    done.add_argument("--actor", default="cli")
    done.set_defaults(func=complete_ticket)


def composer_for(settings: Settings) -> Composer:
    """The SMS texts: the modem adapter's jinja2 templates; the plain test composer only when
    that adapter is not installed (said so on stderr, since the texts then read like
    ``work_order|ticket_id=7``)."""
    try:
        from modem.templates import SmsComposer
    except ImportError as exc:
        from ticketing.fakes import PlainComposer

        log.warning("modem.templates not importable (%s): SMS texts use the plain composer", exc)
        return PlainComposer()
    return SmsComposer(default_language=settings.language)


def _service(settings: Settings) -> Any:
    from onestop.core import build_core
    from onestop.errors import open_store

    return build_core(settings, composer=composer_for(settings), store=open_store(settings),
                      upgrade=False)


def _run(settings: Settings, action: Any) -> int:
    from ticketing.catalog import CatalogError
    from ticketing.lifecycle import IllegalTransition
    from ticketing.service import TicketError

    core = _service(settings)
    try:
        result = action(core)
    except (TicketError, IllegalTransition, CatalogError) as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 1
    finally:
        core.close()
    if isinstance(result, list):
        for item in result:
            print(json.dumps(item, ensure_ascii=False))
    else:
        print(json.dumps(result, ensure_ascii=False))
    return 0


def list_tickets(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from ticketing.model import Ticket
    from ticketing.views import ticket_view

    def action(core: Any) -> list[dict[str, Any]]:
        stmt = select(Ticket).order_by(Ticket.id.desc()).limit(args.limit)
        if args.status:
            stmt = stmt.where(Ticket.status.in_(args.status))
        if args.service_type:
            stmt = stmt.where(Ticket.service_type == args.service_type)
        with core.store.session() as s:
            return [ticket_view(t).as_dict() for t in s.scalars(stmt)]
    return _run(settings, action)


def show_ticket(args: argparse.Namespace, settings: Settings) -> int:
    return _run(settings, lambda core: core.service.get(args.id).as_dict())


def create_ticket(args: argparse.Namespace, settings: Settings) -> int:
    from ticketing.service import NewTicket

    new = NewTicket(service_type=args.service_type, description=args.description,
                    location_code=args.location, reporter_name=args.name,
                    reporter_phone=args.phone, priority=args.priority, source=args.source)
    return _run(settings, lambda core: core.service.accept(args.actor, new).as_dict())


def dispatch_ticket(args: argparse.Namespace, settings: Settings) -> int:
    return _run(settings, lambda core: core.service.dispatch(
        args.actor, args.id, args.staff, printer=args.printer, print_slip=not args.no_print).as_dict())


def complete_ticket(args: argparse.Namespace, settings: Settings) -> int:
    try:
        parts = [_part(p) for p in args.part]
    except ValueError as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 1
    return _run(settings, lambda core: core.service.complete(
        args.actor, args.id, parts=parts, note=args.note).as_dict())


def _part(text: str) -> tuple[str, int]:
    code, _, qty = text.partition(":")
    try:
        return code.strip(), int(qty or "1")
    except ValueError:
        raise ValueError(f"--part {text!r}: use CODE:QTY, e.g. P00001:2") from None


