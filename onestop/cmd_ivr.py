"""``onestop ivr check [FILE]`` and ``onestop ivr simulate [FILE]``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from config.settings import Settings
from ivr.menu import DEFAULT_SERVICE_TYPES, MenuError, MenuSource, load_menu, render_tree


def register(sub: Any) -> None:
    p = sub.add_parser("ivr", help="check or try the IVR menu")
    ivr = p.add_subparsers(dest="ivr_command", metavar="ACTION", required=True)
    check = ivr.add_parser("check", help="validate a menu file and print its tree")
    check.add_argument("file", nargs="?", help="menu TOML (default: settings agi.menu_file or the shipped one)")
    check.add_argument("--language", help="show the prompts of this language")
    check.set_defaults(func=check_menu)
    sim = ivr.add_parser("simulate", help="walk a menu from the keyboard")
    sim.add_argument("file", nargs="?", help="menu TOML (default as for check)")
    sim.add_argument("--after-hours", action="store_true", help="as outside business hours")
    sim.add_argument("--language", default="zh-CN", help="the channel language")
    sim.add_argument("--caller", default="6123", help="the caller's number")
    sim.set_defaults(func=simulate_menu)


def _service_types(settings: Settings) -> tuple[str, ...]:
    try:
        from ticketing.catalog import Catalog

        return tuple(Catalog.load(settings.resolved_catalog_file()).types)
    except Exception:  # no catalog yet: the shipped keys
        return DEFAULT_SERVICE_TYPES


def _file(args: argparse.Namespace, settings: Settings) -> str | None:
    return args.file or settings.agi.menu_file or None


def check_menu(args: argparse.Namespace, settings: Settings) -> int:
    try:
        menu = load_menu(_file(args, settings), _service_types(settings))
    except MenuError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(render_tree(menu, args.language))
    print("OK")
    return 0


def simulate_menu(args: argparse.Namespace, settings: Settings) -> int:
    from ivr.console import simulate

    try:
        menus = MenuSource(_file(args, settings), _service_types(settings))
    except MenuError as exc:
        print(exc, file=sys.stderr)
        return 1

    def ask(prompt: str) -> str:
        try:
            return input(prompt)
        except EOFError:
            return "q"

    variables = asyncio.run(simulate(menus, ask, print, args.after_hours, args.language, args.caller))
    print("channel variables:")
    for name, value in variables.items():
        print(f"  {name}={value}")
    return 0
