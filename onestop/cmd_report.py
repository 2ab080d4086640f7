"""``onestop report monthly --month 2026-11 --out DIR``: the month's 考核 report for the
hospital's leadership, as ``onestop-assessment-2026-11.xlsx`` and ``.pdf`` in DIR."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from config.settings import Settings
from onestop.errors import CliError, open_store
from ticketing.ports import Clock, SystemClock


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="reports for the hospital's leadership")
    act = p.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    monthly = act.add_parser("monthly", help="the month's 考核 (assessment) as .xlsx and .pdf")
    monthly.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    monthly.add_argument("--out", required=True, metavar="DIR", help="directory to write the two files into")
    monthly.add_argument("--lang", choices=("zh-CN", "en"), default=None,
                         help="the report's language (default: the settings' language)")
    monthly.set_defaults(func=monthly_report)


def report_files(settings: Settings, month_text: str, out: Path, language: str | None = None,
                 clock: Clock | None = None) -> tuple[Path, Path]:
    """Write the month's workbook and PDF into ``out``; returns their paths."""
    from ticketing.assessment.config import AssessmentConfig
    from ticketing.assessment.figures import Month, MonthError
    from ticketing.catalog import Catalog
    from ticketing.reports.monthly import build_monthly
    from ticketing.reports.pdf import to_pdf
    from ticketing.reports.xlsx import to_xlsx

    try:
        month = Month.parse(month_text)
    except MonthError as exc:
        raise CliError(f"--month: {exc}") from None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--out {out}: cannot create the directory ({exc.strerror or exc})") from None
    config = AssessmentConfig.load(settings.resolved_assessment_file())
    catalog = Catalog.load(settings.resolved_catalog_file())
    store = open_store(settings)
    now: datetime = (clock or SystemClock()).now()
    try:
        with store.session() as s:
            report = build_monthly(s, config, catalog, ZoneInfo(settings.timezone), month, now,
                                   language or settings.language, settings.center_name)
    finally:
        store.dispose()
    xlsx, pdf = out / f"onestop-assessment-{month}.xlsx", out / f"onestop-assessment-{month}.pdf"
    try:
        xlsx.write_bytes(to_xlsx(report))
        pdf.write_bytes(to_pdf(report))
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write the report ({exc.strerror or exc})") from None
    return xlsx, pdf


def monthly_report(args: argparse.Namespace, settings: Settings) -> int:
    xlsx, pdf = report_files(settings, args.month, Path(args.out), args.lang)
    print(xlsx)
    print(pdf)
    return 0
