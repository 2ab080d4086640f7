"""The monthly report as an Excel workbook with native charts (openpyxl).

Sheets: the summary with the grades given (a bar chart), one ranking per level (workers with
a bar chart of the top fifteen), the six months' trend (a line chart), satisfaction by
service (a bar chart), complaints and their findings, and the owners. Scores are rounded to
0.1, satisfaction to 0.01, rates kept as fractions shown as percentages.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ticketing.reports.monthly import MonthlyReport
from ticketing.reports.words import word

PERCENT = "0.0%"
HEAD = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="1F5F8B")


def r1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def r2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def r4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _safe(value: Any) -> Any:
    # a text starting with = + - @ would run as a formula in Excel
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _header(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill = HEAD, HEAD_FILL
        cell.alignment = Alignment(horizontal="center")
    for col in range(1, len(labels) + 1):
        ws.column_dimensions[ws.cell(row=row, column=col).column_letter].width = 14


def to_xlsx(report: MonthlyReport) -> bytes:
    lang = report.language
    wb = Workbook()
    _summary(wb.active, report, lang)
    for level in ("worker", "team", "department"):
        _ranking(wb.create_sheet(word(level, lang)), report.rankings[level], lang, level)
    _trend(wb.create_sheet(word("trend", lang)[:31]), report, lang)
    _by_service(wb.create_sheet(word("by_service", lang)[:31]), report, lang)
    _complaint_list(wb.create_sheet(word("complaint_list", lang)[:31]), report, lang)
    _owners(wb.create_sheet(word("owners", lang)[:31]), report, lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def summary_rows(report: MonthlyReport) -> list[tuple[str, Any, str]]:
    """(word key, value as written, number format) of the summary, in order."""
    t = report.totals
    return [("tickets", t["tickets"], ""), ("done", t["done"], ""),
            ("response_rate", r4(t["response_rate"]), PERCENT),
            ("completion_rate", r4(t["completion_rate"]), PERCENT),
            ("satisfaction", r2(t["satisfaction"]), "0.00"), ("callbacks", t["callbacks"], ""),
            ("reworked", t["reworked"], ""), ("complaints", t["complaints"], ""),
            ("justified", t["justified"], ""), ("graded", t["graded"], ""),
            ("scored_workers", t["scored_workers"], ""), ("mean_score", r1(t["mean_score"]), "0.0")]


def _summary(ws: Worksheet, report: MonthlyReport, lang: str) -> None:
    ws.title = word("summary", lang)
    ws["A1"] = f"{report.center_name} {word('title', lang)}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"], ws["B2"] = word("month", lang), report.month
    ws["A3"], ws["B3"] = word("generated", lang), report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    _header(ws, 5, [word("figure", lang), word("value", lang)])
    for i, (key, value, fmt) in enumerate(summary_rows(report), start=6):
        ws.cell(row=i, column=1, value=word(key, lang))
        cell = ws.cell(row=i, column=2, value=value)
        if fmt:
            cell.number_format = fmt
    ws.column_dimensions["A"].width = 22
    start = 6 + len(summary_rows(report)) + 2
    _header(ws, start, [word("grade", lang), word("count", lang)])
    for i, g in enumerate(report.grades, start=start + 1):
        ws.cell(row=i, column=1, value=g["name"])
        ws.cell(row=i, column=2, value=g["count"])
    chart = BarChart()
    chart.title, chart.y_axis.title = word("grades_given", lang), word("count", lang)
    chart.add_data(Reference(ws, min_col=2, min_row=start, max_row=start + len(report.grades)), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(report.grades)))
    chart.legend = None
    ws.add_chart(chart, "D5")
    ws.cell(row=start + len(report.grades) + 2, column=1, value=word("formula", lang))


RANK_COLUMNS = ("rank", "code", "name", "tickets", "done", "response_rate", "completion_rate",
                "satisfaction", "reworked", "complaints", "quality", "workload", "deduction", "score",
                "grade")


def ranking_values(row: dict[str, Any]) -> list[Any]:
    """One ranking row as the sheet writes it (the test reads them back)."""
    return [row["rank"], row["key"], row["name"], row["tickets"], row["done"], r4(row["response_rate"]),
            r4(row["completion_rate"]), r2(row["satisfaction"]), row["reworked"], row["complaints"],
            r1(row["quality"]), r1(row["workload"]), r1(row["deduction"]), r1(row["score"]),
            row["grade_name"]]


def _ranking(ws: Worksheet, rows: list[dict[str, Any]], lang: str, level: str) -> None:
    _header(ws, 1, [word(c, lang) for c in RANK_COLUMNS])
    for i, row in enumerate(rows, start=2):
        for col, value in enumerate(ranking_values(row), start=1):
            cell = ws.cell(row=i, column=col, value=_safe(value))
            if RANK_COLUMNS[col - 1] in ("response_rate", "completion_rate"):
                cell.number_format = PERCENT
    ws.freeze_panes = "D2"
    scored = [r for r in rows if r["score"] is not None]
    if level == "worker" and scored:
        top = min(15, len(scored))
        chart = BarChart()
        chart.type, chart.title = "bar", word("top_workers", lang)
        chart.add_data(Reference(ws, min_col=14, min_row=1, max_row=1 + top), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=3, min_row=2, max_row=1 + top))
        chart.legend, chart.height, chart.width = None, 9, 16
        ws.add_chart(chart, f"Q{2}")


def _trend(ws: Worksheet, report: MonthlyReport, lang: str) -> None:
    levels = ("worker", "team", "department")
    _header(ws, 1, [word("month", lang), *(f"{word(lv, lang)} {word('mean_score', lang)}" for lv in levels)])
    months = report.trend["worker"]["months"]
    for i, m in enumerate(months, start=2):
        ws.cell(row=i, column=1, value=m)
        for col, level in enumerate(levels, start=2):
            ws.cell(row=i, column=col, value=r1(report.trend[level]["overall"][i - 2]))
    chart = LineChart()
    chart.title, chart.y_axis.title = word("trend", lang), word("score", lang)
    chart.add_data(Reference(ws, min_col=2, max_col=4, min_row=1, max_row=1 + len(months)), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(months)))
    ws.add_chart(chart, "F2")


def _by_service(ws: Worksheet, report: MonthlyReport, lang: str) -> None:
    _header(ws, 1, [word("service", lang), word("tickets", lang), word("callbacks", lang),
                    word("satisfaction", lang)])
    for i, row in enumerate(report.by_service, start=2):
        for col, value in enumerate((row["name"], row["tickets"], row["callbacks"], r2(row["satisfaction"])),
                                    start=1):
            ws.cell(row=i, column=col, value=value)
    if any(r["satisfaction"] is not None for r in report.by_service):
        chart = BarChart()
        chart.title = word("by_service", lang)
        chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=1 + len(report.by_service)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(report.by_service)))
        chart.legend = None
        ws.add_chart(chart, "F2")


def _complaint_list(ws: Worksheet, report: MonthlyReport, lang: str) -> None:
    _header(ws, 1, [word(k, lang) for k in ("ticket", "target", "code", "severity", "outcome", "replied")])
    for i, c in enumerate(report.complaints, start=2):
        kind = word(f"{c['target_kind']}_kind", lang) if c["target_kind"] else ""
        outcome = word(f"{c['outcome'] or 'pending'}_outcome", lang)
        values = (c["ticket_id"], f"{kind} {c['target']}".strip(), c["target_code"], word(c["severity"], lang),
                  outcome, word("yes" if c["replied"] else "no", lang))
        for col, value in enumerate(values, start=1):
            ws.cell(row=i, column=col, value=_safe(value))


def _owners(ws: Worksheet, report: MonthlyReport, lang: str) -> None:
    _header(ws, 1, [word(k, lang) for k in ("owner", "tickets", "open", "overdue", "done", "escalated",
                                              "satisfaction")])
    for i, o in enumerate(report.owners, start=2):
        for col, value in enumerate((o["name"], o["cases"], o["open"], o["overdue"], o["done"], o["escalated"],
                                     r2(o["satisfaction"])), start=1):
            ws.cell(row=i, column=col, value=_safe(value))
