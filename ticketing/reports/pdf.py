"""The monthly report as a PDF with charts (reportlab).

Every text is set in reportlab's built-in CID font STSong-Light, which draws Chinese with no
font file to ship (PDF readers bring the glyphs). Charts are reportlab graphics: the grades
given and satisfaction by service as bars, the six months' trend as lines, the top workers'
scores as bars. The figures are those of the workbook (``xlsx``), rounded alike.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ticketing.reports.monthly import MonthlyReport
from ticketing.reports.words import word
from ticketing.reports.xlsx import r1, r2, ranking_values, summary_rows

FONT = "STSong-Light"
PALETTE = (colors.HexColor("#1F5F8B"), colors.HexColor("#E07B39"), colors.HexColor("#4E9A5B"),
           colors.HexColor("#9B59B6"))
TOP = 20


def _font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    return {"title": ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, spaceAfter=4),
            "h2": ParagraphStyle("h2", fontName=FONT, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4),
            "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)}


_HEAD = ParagraphStyle("head", fontName=FONT, fontSize=7, leading=9, textColor=colors.white, alignment=1)


def _table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
    """A table with its header row wrapped to the column widths."""
    text: list[list[Any]] = [[Paragraph(str(v), _HEAD) for v in rows[0]]]
    text += [["" if v is None else str(v) for v in r] for r in rows[1:]]
    table = Table(text, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), PALETTE[0]), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F2F6F9")]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def to_pdf(report: MonthlyReport) -> bytes:
    _font()
    lang, st = report.language, _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"{word('title', lang)} {report.month}",
                            author=report.center_name)
    story: list[Any] = [
        Paragraph(f"{report.center_name} {word('title', lang)} {report.month}", st["title"]),
        Paragraph(f"{word('generated', lang)}: {report.generated_at.strftime('%Y-%m-%d %H:%M UTC')}", st["body"]),
        Paragraph(word("summary", lang), st["h2"])]
    rows = [[word("figure", lang), word("value", lang)]]
    for key, value, fmt in summary_rows(report):
        rows.append([word(key, lang), _percent(value) if fmt.endswith("%") else value])
    story += [_table(rows, [60 * mm, 40 * mm]), Spacer(1, 4 * mm),
              _bars(word("grades_given", lang), [g["name"] for g in report.grades],
                    [g["count"] for g in report.grades]),
              Paragraph(word("trend", lang), st["h2"]), _trend(report, lang, st), PageBreak()]
    for level in ("worker", "team", "department"):
        ranked = report.rankings[level]
        story.append(Paragraph(word(level, lang) + (f" (1–{TOP})" if level == "worker" and len(ranked) > TOP else ""),
                               st["h2"]))
        story.append(_ranking(ranked[:TOP] if level == "worker" else ranked, lang))
        if level == "worker":
            scored = [r for r in ranked if r["score"] is not None][:15]
            if scored:
                story.append(_hbars(word("top_workers", lang), [r["name"] for r in scored],
                                    [r1(r["score"]) or 0.0 for r in scored]))
    story.append(Paragraph(word("by_service", lang), st["h2"]))
    story.append(_table([[word("service", lang), word("tickets", lang), word("callbacks", lang),
                          word("satisfaction", lang)]]
                        + [[r["name"], r["tickets"], r["callbacks"], r2(r["satisfaction"])] for r in report.by_service]))
    rated = [r for r in report.by_service if r["satisfaction"] is not None]
    if rated:
        story.append(_bars(word("by_service", lang), [r["name"] for r in rated],
                           [r2(r["satisfaction"]) or 0.0 for r in rated], top=5))
    story.append(Paragraph(word("complaint_list", lang), st["h2"]))
    story.append(_complaints(report, lang, st))
    story.append(Paragraph(word("owners", lang), st["h2"]))
    story.append(_table([[word(k, lang) for k in ("owner", "tickets", "open", "overdue", "done", "escalated",
                                                  "satisfaction")]]
                        + [[o["name"], o["cases"], o["open"], o["overdue"], o["done"], o["escalated"],
                            r2(o["satisfaction"])] for o in report.owners]))
    story += [Spacer(1, 4 * mm), Paragraph(word("formula", lang), st["body"])]
    doc.build(story)
    return out.getvalue()


def _ranking(rows: list[dict[str, Any]], lang: str) -> Table:
    head = ["rank", "name", "tickets", "done", "response_rate", "completion_rate", "satisfaction",
            "complaints", "quality", "workload", "deduction", "score", "grade"]
    body = []
    for row in rows:
        v = dict(zip(("rank", "code", "name", "tickets", "done", "response_rate", "completion_rate",
                      "satisfaction", "reworked", "complaints", "quality", "workload", "deduction", "score",
                      "grade"), ranking_values(row), strict=True))
        v["response_rate"], v["completion_rate"] = _percent(v["response_rate"]), _percent(v["completion_rate"])
        body.append([v[k] for k in head])
    widths = [9 * mm, 26 * mm] + [12.5 * mm] * 11
    return _table([[word(k, lang) for k in head], *body], widths)


def _complaints(report: MonthlyReport, lang: str, st: dict[str, ParagraphStyle]) -> Any:
    if not report.complaints:
        return Paragraph(word("none", lang), st["body"])
    rows = [[word(k, lang) for k in ("ticket", "target", "severity", "outcome", "replied")]]
    for c in report.complaints:
        kind = word(f"{c['target_kind']}_kind", lang) if c["target_kind"] else ""
        rows.append([c["ticket_id"], f"{kind} {c['target']}".strip(), word(c["severity"], lang),
                     word(f"{c['outcome'] or 'pending'}_outcome", lang), word("yes" if c["replied"] else "no", lang)])
    return _table(rows)


def _chart_title(d: Drawing, text: str) -> None:
    d.add(String(d.width / 2, d.height - 12, text, fontName=FONT, fontSize=10, textAnchor="middle"))


def _bars(title: str, labels: list[str], values: list[float], top: float | None = None) -> Drawing:
    d = Drawing(170 * mm, 60 * mm)
    _chart_title(d, title)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 25, 170 * mm - 50, 60 * mm - 50
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.valueMin = 0
    if top is not None:
        chart.valueAxis.valueMax = top
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat, chart.barLabels.fontName, chart.barLabels.fontSize = "%s", FONT, 7
    chart.barLabels.nudge = 6
    d.add(chart)
    return d


def _hbars(title: str, labels: list[str], values: list[float]) -> Drawing:
    height = max(40 * mm, 6 * mm * len(labels) + 20 * mm)
    d = Drawing(170 * mm, height)
    _chart_title(d, title)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 70, 10, 170 * mm - 100, height - 35
    chart.data = [list(reversed(values))]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.valueAxis.labels.fontName = FONT
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat, chart.barLabels.fontName, chart.barLabels.fontSize = "%.1f", FONT, 7
    chart.barLabels.nudge = 10
    d.add(chart)
    return d


def _trend(report: MonthlyReport, lang: str, st: dict[str, ParagraphStyle]) -> Any:
    """The mean score per level over the months (a level without a score left out)."""
    levels = [lv for lv in ("worker", "team", "department")
              if any(v is not None for v in report.trend[lv]["overall"])]
    if not levels:
        return Paragraph(word("none", lang), st["body"])
    d = Drawing(170 * mm, 62 * mm)
    months = report.trend["worker"]["months"]
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 30, 170 * mm - 120, 62 * mm - 45
    chart.data = [[r1(v) if v is not None else None for v in report.trend[lv]["overall"]] for lv in levels]
    chart.categoryAxis.categoryNames = months
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.valueAxis.labels.fontName = FONT
    for i, color in enumerate(PALETTE[:len(levels)]):
        chart.lines[i].strokeColor, chart.lines[i].strokeWidth = color, 1.5
        chart.lines[i].symbol = makeMarker("FilledCircle", fillColor=color, size=4)
    if any(_isolated(series) for series in chart.data):
        chart.joinedLines = 0  # a month alone between gaps is a point: reportlab draws no one-point line
    d.add(chart)
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.fontSize = 170 * mm - 80, 62 * mm - 20, FONT, 8
    legend.colorNamePairs = [(PALETTE[i], word(lv, lang)) for i, lv in enumerate(levels)]
    d.add(legend)
    return d


def _isolated(series: list[float | None]) -> bool:
    """Whether a value stands alone between gaps (or the ends)."""
    padded = [None, *series, None]
    return any(v is not None and padded[i] is None and padded[i + 2] is None
               for i, v in enumerate(padded[1:-1]))
