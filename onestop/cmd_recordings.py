"""``onestop recordings sweep [--dry-run]``: delete recordings past ``[recordings]
retention_days`` (each deletion audited), as the running center does every
``sweep_interval_s``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("recordings", help="hotline call recordings: the retention sweep")
    rec = p.add_subparsers(dest="recordings_command", metavar="ACTION", required=True)
    sw = rec.add_parser("sweep", help="delete recordings older than [recordings] retention_days")
    sw.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    sw.set_defaults(func=sweep_command)


def sweep_command(args: argparse.Namespace, settings: Settings) -> int:
    from onestop.errors import open_store
    from ticketing.recordings import sweep

    cfg = settings.recordings
    if not Path(cfg.dir).is_dir():
        print(f"onestop recordings sweep: [recordings] dir {cfg.dir} is not a folder "
              "(set it in the settings file or ONESTOP_RECORDINGS_DIR)", file=sys.stderr)
        return 1
    store = open_store(settings)
    try:
        with store.session() as s:
            swept = sweep(s, cfg.dir, cfg.retention_days, datetime.now(UTC), dry_run=args.dry_run)
    finally:
        store.dispose()
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {len(swept)} recordings older than {cfg.retention_days} days")
    for uid in swept:
        print(f"  {uid}")
    return 0
