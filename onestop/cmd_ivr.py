"""``onestop ivr check [FILE] [--sounds DIR]``, ``onestop ivr simulate [FILE]`` and
``onestop ivr prompts --out DIR | --list``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings
from ivr.menu import DEFAULT_SERVICE_TYPES, MenuError, MenuSource, load_menu, render_tree


def register(sub: Any) -> None:
    p = sub.add_parser("ivr", help="check or try the IVR menu")
    ivr = p.add_subparsers(dest="ivr_command", metavar="ACTION", required=True)
    check = ivr.add_parser("check", help="validate a menu file and print its tree")
    check.add_argument("file", nargs="?", help="menu TOML (default: settings agi.menu_file or the shipped one)")
    check.add_argument("--language", help="show the prompts of this language")
    check.add_argument("--sounds", metavar="DIR",
                       help="Asterisk's sounds folder: list the menu's prompts it has no file for")
    check.add_argument("--prompts", metavar="FILE", help="prompt catalog (default: config/prompts.toml)")
    check.set_defaults(func=check_menu)
    pr = ivr.add_parser("prompts", help="synthesise placeholder prompts, or list their texts for a studio")
    what = pr.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", metavar="DIR", help="write DIR/onestop/<lang>/<id>.<format> (espeak-ng + sox)")
    what.add_argument("--list", action="store_true", help="print the recording script")
    pr.add_argument("--csv", action="store_true", help="with --list: CSV instead of Markdown")
    pr.add_argument("--only", metavar="ID,…", help="only these prompt ids")
    pr.add_argument("--language", action="append", help="only this language (repeatable)")
    pr.add_argument("--format", default="wav", help="wav, gsm, ulaw (comma-separated; default wav)")
    pr.add_argument("--prompts", metavar="FILE", help="prompt catalog (default: config/prompts.toml)")
    pr.set_defaults(func=prompts_command)
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
    from ivr.prompts import PromptCatalog, PromptError, menu_sounds, missing_files, unknown_sounds

    try:
        catalog = PromptCatalog.load(args.prompts)
    except PromptError as exc:
        print(exc, file=sys.stderr)
        return 1
    problems = unknown_sounds(menu, catalog)
    for line in problems:
        print(f"no text: {line}", file=sys.stderr)
    if args.sounds:
        if not Path(args.sounds).is_dir():
            print(f"--sounds {args.sounds}: not a folder", file=sys.stderr)
            return 1
        missing = missing_files(catalog, args.sounds, menu_sounds(menu))
        for sound in missing:
            print(f"missing: {sound} (no .wav/.gsm/.ulaw… in {args.sounds})")
        print(f"{len(missing)} of {len(menu_sounds(menu))} prompts missing from {args.sounds}")
        problems += missing
    if problems:
        return 1
    print("OK")
    return 0


def prompts_command(args: argparse.Namespace, settings: Settings) -> int:
    from ivr.prompts import PromptCatalog, PromptError, studio_script
    from ivr.synth import SynthError, synthesise

    try:
        catalog = PromptCatalog.load(args.prompts)
    except PromptError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.list:
        print(studio_script(catalog, "csv" if args.csv else "markdown"), end="")
        return 0
    ids = [p.strip() for p in args.only.split(",") if p.strip()] if args.only else None
    langs = args.language or None
    for lang in langs or ():
        if lang not in catalog.languages:
            print(f"--language {lang}: not in {catalog.source} ({', '.join(catalog.languages)})",
                  file=sys.stderr)
            return 1
    try:
        files = synthesise(catalog, args.out, ids, langs, [f.strip() for f in args.format.split(",")])
    except SynthError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{len(files)} placeholder prompt files written under {Path(args.out) / 'onestop'} "
          "(machine voice: replace them with studio recordings; see README.txt there)")
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
