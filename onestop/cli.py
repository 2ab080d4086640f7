"""The ``onestop`` command: discovers ``onestop/cmd_*.py`` modules and runs the chosen one."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

import onestop
from config.settings import SettingsError, load_settings
from onestop.errors import CliError
from ticketing.assessment.config import AssessmentConfigError
from ticketing.store import SchemaNotCurrent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onestop", description="OneStop logistics service center")
    parser.add_argument("--config", help="settings file (TOML); default ONESTOP_CONFIG")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(onestop.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"onestop.{info.name}")
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args.verbose:
        # Migration chatter and per-request lines drown what an operator needs to see.
        for noisy in ("alembic", "httpx", "gsmmodem"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"onestop: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args, settings) or 0)
    except (CliError, SchemaNotCurrent, AssessmentConfigError) as exc:
        print(f"onestop: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
