"""``onestop report monthly``: over a month of the demo's history, the workbook and the PDF
open and every figure they print equals the one recomputed here from the store — plain
counts over the raw tickets, and the scores by the test's own implementation of
docs/assessment.md."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from config.settings import Settings
from onestop.cli import main
from onestop.cmd_report import report_files
from onestop.core import build_core
from onestop.demo import grow_history
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import SmsOut, SurveyCall, Ticket
from ticketing.seed import seed_hospital
from ticketing.store import Store

from ..ticketing.reference_assessment import org_maps, read_config, reference

TZ = ZoneInfo("Asia/Shanghai")
NOV_START, NOV_END = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
AS_OF = datetime(2026, 12, 4, 2, tzinfo=UTC)


@pytest.fixture
def history(store: Store, db_url: str, tmp_path: Path) -> Store:
    """The sample hospital and the history ``onestop demo`` grows, as of 4 December: all of
    November and December so far."""
    seed_hospital(store, demo_users=True, at=datetime(2026, 9, 1, tzinfo=UTC))
    core = build_core(Settings(database_url=db_url, data_dir=str(tmp_path)), clock=FixedClock(AS_OF),
                      composer=PlainComposer(), store=store, upgrade=False)
    counts = grow_history(core, per_day=5)
    assert counts["tickets"] > 150 and counts["graded"] and counts["complaints"] and counts["sms_ratings"]
    with store.session() as s:  # the past's messages are not sent again, its call-backs lapsed
        assert not s.scalars(select(SmsOut.id).where(SmsOut.status == "queued")).all()
        assert not s.scalars(select(SurveyCall.id).where(SurveyCall.status == "scheduled")).all()
        first = s.scalar(select(Ticket.created_at).order_by(Ticket.id))
    assert first.astimezone(TZ).date() == date(2026, 11, 1)
    return store


def _expected(store: Store) -> tuple[dict[str, object], dict[str, dict[str, dict[str, object]]]]:
    """The summary and the rankings recomputed from the raw rows."""
    with store.session() as s:
        rows = [t for t in s.scalars(select(Ticket).where(Ticket.created_at >= NOV_START,
                                                          Ticket.created_at < NOV_END)) if t.status != "merged"]
        team_of, dept_of, members = org_maps(s)
    complaints = [t for t in rows if t.service_type == "complaint" and t.status != "cancelled"]
    found = [((t.details or {}).get("complaint") or {}) for t in complaints]
    targets = [(f["target_kind"], f["target_code"], f["severity"], f["outcome"]) for f in found if f.get("target_kind")]
    cfg = read_config()
    ranks = {level: reference(cfg, rows, targets, team_of, dept_of, members, level, AS_OF)
             for level in ("worker", "team", "department")}
    resp = [t.response_met for t in rows if t.response_met is not None]
    comp = [t.completion_met for t in rows if t.completion_met is not None]
    sat = [t.satisfaction for t in rows if t.satisfaction is not None]
    scores = [v["score"] for v in ranks["worker"].values() if v["score"] is not None]
    summary = {"tickets": len(rows), "done": sum(t.done_at is not None for t in rows),
               "response_rate": round(sum(resp) / len(resp), 4), "completion_rate": round(sum(comp) / len(comp), 4),
               "satisfaction": round(sum(sat) / len(sat), 2), "callbacks": len(sat),
               "reworked": sum(t.reopen_count > 0 for t in rows), "complaints": len(complaints),
               "justified": sum(f.get("outcome") == "justified" for f in found if f.get("target_kind")),
               "graded": sum(bool(t.assessment_grade) for t in rows), "scored_workers": len(scores),
               "mean_score": round(sum(scores) / len(scores), 1)}
    return summary, ranks


def test_the_monthly_report_prints_the_figures_of_the_store(
        history: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=db_url, data_dir=str(tmp_path))
    xlsx, pdf = report_files(settings, "2026-11", tmp_path / "out", clock=FixedClock(AS_OF))
    assert (xlsx.name, pdf.name) == ("onestop-assessment-2026-11.xlsx", "onestop-assessment-2026-11.pdf")
    summary, ranks = _expected(history)

    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["概览", "员工", "班组", "服务部门", "近六个月趋势", "各服务类型满意度",
                             "投诉与调查结论", "首问负责"]
    first = wb["概览"]
    assert first["B2"].value == "2026-11"
    written = {first.cell(row=r, column=1).value: first.cell(row=r, column=2).value for r in range(6, 18)}
    labels = {"工单数": "tickets", "办结数": "done", "响应及时率": "response_rate", "办结及时率": "completion_rate",
              "满意度(1-5)": "satisfaction", "回访数": "callbacks", "返工数": "reworked", "投诉数": "complaints",
              "有效投诉": "justified", "已考核工单": "graded", "参评员工": "scored_workers", "平均得分": "mean_score"}
    assert {labels[k]: v for k, v in written.items()} == summary
    for sheet, level in (("员工", "worker"), ("班组", "team"), ("服务部门", "department")):
        ws = wb[sheet]
        got = {row[1]: row for row in ws.iter_rows(min_row=2, values_only=True)}
        want = ranks[level]
        assert set(got) == set(want), level
        for key, row in got.items():
            w = want[key]
            assert (row[3], row[4]) == (w["tickets"], w["done"]), key
            assert row[13] == (round(w["score"], 1) if w["score"] is not None else None), key
            assert row[14] == {"excellent": "优", "good": "良", "fair": "中", "poor": "差", "": None}[w["grade"]]
        scored = [r for r in got.values() if r[13] is not None]
        assert [r[0] for r in sorted(scored, key=lambda r: r[0])] == list(range(1, len(scored) + 1))
    assert wb["概览"]._charts and wb["员工"]._charts and wb["近六个月趋势"]._charts

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "月度考核报告 2026-11" in text
    lines = text.split("\n")
    for label, key in (("工单数", "tickets"), ("办结数", "done"), ("回访数", "callbacks"), ("有效投诉", "justified")):
        assert lines[lines.index(label) + 1] == str(summary[key]), label
    assert lines[lines.index("响应及时率") + 1] == f"{summary['response_rate'] * 100:.1f}%"
    assert lines[lines.index("平均得分") + 1] == f"{summary['mean_score']:.1f}"
    best = max((v for v in ranks["worker"].values() if v["score"] is not None), key=lambda v: v["score"])
    assert f"{round(best['score'], 1)}" in text


    # the command line writes the same two files (here in English) and refuses a bad month
    monkeypatch.setenv("ONESTOP_DATABASE_URL", db_url)
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(tmp_path))
    out = tmp_path / "report"
    assert main(["report", "monthly", "--month", "2026-11", "--out", str(out), "--lang", "en"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["onestop-assessment-2026-11.pdf",
                                                     "onestop-assessment-2026-11.xlsx"]
    assert load_workbook(out / "onestop-assessment-2026-11.xlsx").sheetnames[0] == "Summary"
    assert "Monthly assessment report 2026-11" in PdfReader(out / "onestop-assessment-2026-11.pdf").pages[0].extract_text()
    assert main(["report", "monthly", "--month", "2026-13", "--out", str(out)]) == 2
    assert "--month: month must be YYYY-MM, got '2026-13'" in capsys.readouterr().err
