"""考核: the configuration is checked like the catalog, the lead grades a ticket with reasons,
and every monthly figure equals the one recomputed from the raw tickets by the test's own
implementation of docs/assessment.md (``reference_assessment``)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ticketing.assessment.config import AssessmentConfig, AssessmentConfigError
from ticketing.assessment.figures import Month, MonthError, month_scores, organisation, ticket_facts
from ticketing.assessment.scoring import ComplaintFacts, score_month
from ticketing.fakes import FixedClock
from ticketing.lifecycle import IllegalTransition
from ticketing.model import OrgUnit, Staff
from ticketing.service import NewTicket, TicketError, TicketService
from ticketing.store import Store

from .factories import small_hospital
from .reference_assessment import CONFIG, org_maps, raw_rows, read_config, reference

TZ = ZoneInfo("Asia/Shanghai")
NOV = Month(2026, 11)
AS_OF = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


# --- the configuration ---------------------------------------------------------------------

def test_the_shipped_file_loads_with_four_grades_best_first() -> None:
    cfg = AssessmentConfig.load(CONFIG)
    assert [g.key for g in cfg.grades] == ["excellent", "good", "fair", "poor"]
    assert [g.name("zh-CN") for g in cfg.grades] == ["优", "良", "中", "差"]
    assert cfg.grade_for(90).key == "excellent" and cfg.grade_for(89.99).key == "good"
    assert cfg.grade_for(0).key == "poor"
    assert cfg.rules("oxygen").weights["response"] == 35 and cfg.rules("repair").weights["response"] == 20
    assert cfg.rules("transport").workload_target == 200 and cfg.rules("nope").workload_target == 60
    assert cfg.requester_sms("repair", "done") and not cfg.requester_sms("complaint", "done")


@pytest.mark.parametrize(("toml", "names"), [
    ("[defaults]\nweights = { speed = 10 }", "[defaults] weights: unknown component speed"),
    ("[defaults]\nweights = { response = -1 }", "[defaults] weights.response: must be at least 0"),
    ("[model]\nworkload_weight = 1.5", "[model] workload_weight: must be between 0 and 1"),
    ("[model]\ncomplaints_roll_up = 'yes'", "[model] complaints_roll_up: must be true or false"),
    ("[grades.a]\nname = {\"zh-CN\" = \"甲\", en = \"A\"}\nmin = 50\npoints = 100\n"
     "[grades.b]\nname = {\"zh-CN\" = \"乙\", en = \"B\"}\nmin = 60\npoints = 50",
     "[grades.b] min: must be below a's (50)"),
    ("[grades.a]\nname = {\"zh-CN\" = \"甲\", en = \"A\"}\nmin = 50\npoints = 100\n"
     "[grades.b]\nname = {\"zh-CN\" = \"乙\", en = \"B\"}\nmin = 10\npoints = 50",
     "[grades.b] min: the last grade must start at 0"),
    ("[grades.a]\nname = {en = \"A\"}\nmin = 0\npoints = 1", "[grades.a] name: needs a zh-CN and an en name"),
    ("[satisfaction]\npoints = { \"5\" = 100 }", "[satisfaction] points: must give points for each score"),
    ("[complaints]\nseverity = { minor = 1 }", "[complaints] severity: must give points for minor"),
    ("[types.repair]\nworkload_target = 0", "[types.repair] workload_target: must be at least 1"),
    ("[types.repair]\nspeed = 1", "[types.repair] speed: unknown key"),
    ("[types.repair]\nrequester_sms = ['arrival']", "[types.repair] requester_sms: unknown arrival"),
    ("[requester]\ndaily_limit = -1", "[requester] daily_limit: must be a whole number of at least 0"),
    ("[campaign]\nquiet_start = '9pm'", "[campaign] quiet_start: must be a time HH:MM"),
    ("[scores]\nx = 1", "unknown section(s) scores"),
    ("[model\n", "not valid TOML"),
])
def test_a_broken_file_is_refused_naming_the_key(tmp_path: Path, toml: str, names: str) -> None:
    path = tmp_path / "assessment.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(AssessmentConfigError) as err:
        AssessmentConfig.load(path)
    assert names in str(err.value) and str(path) in str(err.value)


def test_an_empty_file_takes_every_default(tmp_path: Path) -> None:
    path = tmp_path / "assessment.toml"
    path.write_text("", encoding="utf-8")
    cfg = AssessmentConfig.load(path)
    shipped = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert [g.key for g in cfg.grades] == list(shipped["grades"])
    assert cfg.workload_weight == shipped["model"]["workload_weight"]
    assert cfg.rules("repair").weights == {k: float(v) for k, v in shipped["defaults"]["weights"].items()}


def test_months_parse_and_step() -> None:
    assert str(Month.parse("2026-11")) == "2026-11" and Month.parse("2026-12").next() == Month(2027, 1)
    assert Month(2026, 1).previous() == Month(2025, 12) and Month(2026, 3).previous(14) == Month(2025, 1)
    p = NOV.period(TZ)
    assert p.start == datetime(2026, 10, 31, 16, tzinfo=UTC) and p.end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    for bad in ("2026-13", "November", "2026-11-01", "1999-01", ""):
        with pytest.raises(MonthError):
            Month.parse(bad)


# --- the lead's grade ----------------------------------------------------------------------

@pytest.fixture
def org(store: Store) -> Store:
    """The small hospital with two service departments over its teams."""
    small_hospital(store)
    with store.session() as s:
        s.get(OrgUnit, 3).parent_code = "SVC-R"  # T01 维修班
        s.add_all([OrgUnit(code="SVC-R", name="维修中心", name_en="Repairs", kind="department"),
                   OrgUnit(code="SVC-C", name="保洁中心", name_en="Cleaning", kind="department"),
                   OrgUnit(code="T02", name="保洁班", name_en="Cleaning team", kind="team", parent_code="SVC-C"),
                   Staff(code="W005", name="钱师傅", role="worker", team="T01", skills="repair",
                         phone="13800000005", org_code="T01")])
    return store


def _done(service: TicketService, clock: FixedClock, worker: str, accept_min: float,
          done_min: float, st: str = "repair", **kw: object) -> int:
    start = clock.now()
    details = {"cleaning": {"area": "走廊", "kind": "routine"}} if st == "cleaning" else {}
    t = service.accept("li", NewTicket(st, "x", "10305", reporter_phone="6123", details=details, **kw))  # type: ignore[arg-type]
    service.dispatch("li", t.id, [worker], print_slip=False)
    clock.set(start + timedelta(minutes=accept_min))
    service.worker_accept(f"sms:{worker}", t.id, worker)
    clock.set(start + timedelta(minutes=done_min))
    service.complete(f"sms:{worker}", t.id)
    clock.set(start)
    return t.id


def test_the_lead_grades_with_reasons_and_the_old_free_text_still_works(
        org: Store, service: TicketService, clock: FixedClock) -> None:
    a = _done(service, clock, "W001", 5, 60)
    service.record_callback("li", a, 5)
    with pytest.raises(TicketError, match="grade must be one of excellent, good, fair, poor"):
        service.assess("lead", a, grade="A+")
    with pytest.raises(TicketError, match=r"grade poor \(差\) needs its reasons"):
        service.assess("lead", a, grade="poor", reasons=["  "])
    with pytest.raises(TicketError, match="give a grade"):
        service.assess("lead", a)
    view = service.assess("lead", a, grade="poor", reasons=["超时未到", "现场未清理"])
    assert (view.status, view.assessment_grade, view.assessment) == ("assessed", "poor", "超时未到\n现场未清理")
    assert [e.note for e in service.get(a).timeline if e.action == "assess"] == ["差: 超时未到；现场未清理"]
    with pytest.raises(IllegalTransition):
        service.assess("lead", a, grade="good")  # once: a second grade is refused
    b = _done(service, clock, "W001", 5, 60)
    service.record_callback("li", b, 4)
    old = service.assess("manager", b, "合格")
    assert (old.assessment_grade, old.assessment) == ("", "合格")
    c = _done(service, clock, "W001", 5, 60)
    service.record_callback("li", c, 4)
    assert service.assess("lead", c, grade="good").assessment_grade == "good"  # 良 needs no reasons


# --- the monthly figures against the reference ------------------------------------------------

def _month(service: TicketService, clock: FixedClock) -> dict[str, int]:
    """November: on time and late, graded, reopened, still open past due, cancelled, other
    types, a worker of another team."""
    ids: dict[str, int] = {}
    clock.set(datetime(2026, 11, 3, 1, tzinfo=UTC))
    ids["good"] = _done(service, clock, "W001", 5, 60)
    service.record_callback("li", ids["good"], 5)
    service.assess("lead", ids["good"], grade="excellent")
    clock.set(datetime(2026, 11, 4, 1, tzinfo=UTC))
    ids["late"] = _done(service, clock, "W001", 45, 300)
    service.record_callback("li", ids["late"], 2)
    service.assess("lead", ids["late"], grade="poor", reasons=["超时"])
    clock.set(datetime(2026, 11, 5, 1, tzinfo=UTC))
    ids["reworked"] = _done(service, clock, "W002", 10, 100)
    clock.set(datetime(2026, 11, 6, 1, tzinfo=UTC))
    service.reopen("li", ids["reworked"], "又坏了")
    service.dispatch("li", ids["reworked"], ["W002"], print_slip=False)
    clock.advance(minutes=20)
    service.worker_accept("sms:W002", ids["reworked"], "W002")
    clock.advance(minutes=30)
    service.complete("sms:W002", ids["reworked"])
    service.record_callback("li", ids["reworked"], 4)
    clock.set(datetime(2026, 11, 7, 1, tzinfo=UTC))
    ids["transport"] = _done(service, clock, "W002", 3, 30, "transport")
    clock.set(datetime(2026, 11, 8, 1, tzinfo=UTC))
    ids["cleaning"] = _done(service, clock, "W003", 5, 50, "cleaning")
    service.record_callback("li", ids["cleaning"], 3)
    clock.set(datetime(2026, 11, 9, 1, tzinfo=UTC))
    ids["oxygen"] = _done(service, clock, "W001", 2, 8, "oxygen")  # urgent: 3 and 10 min
    clock.set(datetime(2026, 11, 28, 1, tzinfo=UTC))
    t = service.accept("li", NewTicket("repair", "x", "10305", reporter_phone="6123"))
    service.dispatch("li", t.id, ["W005"], print_slip=False)
    ids["open"] = t.id
    t = service.accept("li", NewTicket("repair", "x", "10305", reporter_phone="6123"))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    service.cancel("li", t.id, "重复")
    ids["cancelled"] = t.id
    clock.set(datetime(2026, 12, 2, 1, tzinfo=UTC))  # December: not in November's figures
    ids["december"] = _done(service, clock, "W001", 50, 500)
    return ids


COMPLAINTS = [ComplaintFacts(900, "worker", "W001", "serious", "justified"),
              ComplaintFacts(901, "worker", "W002", "minor", "unjustified"),
              ComplaintFacts(902, "team", "T02", "normal", "justified"),
              ComplaintFacts(903, "department", "SVC-R", "minor", "justified")]


@pytest.mark.parametrize("level", ["worker", "team", "department"])
def test_every_figure_equals_the_reference_recomputed_from_the_raw_tickets(
        org: Store, service: TicketService, clock: FixedClock, level: str) -> None:
    _month(service, clock)
    config = AssessmentConfig.load(CONFIG)
    period = NOV.period(TZ)
    with org.session() as s:
        got = score_month(config, ticket_facts(s, period), COMPLAINTS, organisation(s), level, AS_OF)
        team_of, dept_of, members = org_maps(s)
        want = reference(read_config(), raw_rows(s, period.start, period.end),
                         [(c.target_kind, c.target_code, c.severity, c.outcome) for c in COMPLAINTS],
                         team_of, dept_of, members, level, AS_OF)
    assert {e.key for e in got} == set(want)
    for e in got:
        w = want[e.key]
        assert (e.tickets, e.done, e.reworked, e.complaints) == (w["tickets"], w["done"], w["reworked"],
                                                                 w["complaints"]), e.key
        for name, mine, theirs in (("quality", e.quality, w["Q"]), ("workload", e.workload, w["W"]),
                                   ("deduction", e.deduction, w["D"]), ("score", e.score, w["score"]),
                                   ("response", e.response_rate, w["response_rate"]),
                                   ("completion", e.completion_rate, w["completion_rate"]),
                                   ("satisfaction", e.satisfaction, w["satisfaction"])):
            assert mine == pytest.approx(theirs, abs=1e-9), (e.key, name)
        assert e.grade == w["grade"], e.key
    scores = [e.score for e in got if e.score is not None]
    assert scores == sorted(scores, reverse=True) and [e.rank for e in got][:len(scores)] == list(
        range(1, len(scores) + 1))


def test_the_figures_by_hand_for_one_worker(org: Store, service: TicketService, clock: FixedClock) -> None:
    """W001 in November, worked out from the written formula: a guard on the reference too."""
    _month(service, clock)
    config = AssessmentConfig.load(CONFIG)
    with org.session() as s:
        w001 = next(e for e in month_scores(s, config, NOV, TZ, "worker", set(), AS_OF) if e.key == "W001")
    # good: response, completion 100, satisfaction 5 → 100, grade 优 100, rework 100 → 100
    # late: 0, 0, satisfaction 2 → 30, grade 差 20, rework 100: (0+0+30·30+15·20+10·100)/100 = 22
    # oxygen: response 100 (35), completion 100 (25), rework 100 (10) → 100
    assert w001.tickets == 3 and w001.done == 3 and w001.quality == pytest.approx((100 + 22 + 100) / 3)
    # workload: 2 repair of 60 and 1 oxygen of 120 → 100 × (2/60 + 1/120) = 4.1666…
    assert w001.workload == pytest.approx(100 * (2 / 60 + 1 / 120))
    assert w001.score == pytest.approx(0.85 * (222 / 3) + 0.15 * 100 * (2 / 60 + 1 / 120))
    assert w001.grade == "fair" and w001.response_rate == pytest.approx(2 / 3)
    assert w001.satisfaction == pytest.approx(3.5)


def test_an_open_ticket_past_due_scores_zero_and_one_not_yet_due_is_left_out(
        org: Store, service: TicketService, clock: FixedClock) -> None:
    ids = _month(service, clock)
    config = AssessmentConfig.load(CONFIG)
    with org.session() as s:
        facts = {t.id: t for t in ticket_facts(s, NOV.period(TZ))}
        before_due = datetime(2026, 11, 28, 1, 10, tzinfo=UTC)
        late = score_month(config, [facts[ids["open"]]], [], organisation(s), "worker", AS_OF)
        early = score_month(config, [facts[ids["open"]]], [], organisation(s), "worker", before_due)
    assert late[0].score == pytest.approx(0.85 * 0 + 0) and late[0].grade == "poor"
    assert early[0].score is None and early[0].tickets == 1 and early[0].rank is None
    assert ids["december"] not in facts and ids["cancelled"] in facts


def test_complaints_count_against_the_target_and_roll_up(org: Store, service: TicketService,
                                                         clock: FixedClock) -> None:
    _month(service, clock)
    config = AssessmentConfig.load(CONFIG)
    with org.session() as s:
        facts, o = ticket_facts(s, NOV.period(TZ)), organisation(s)
    by = {lvl: {e.key: e for e in score_month(config, facts, COMPLAINTS, o, lvl, AS_OF)}
          for lvl in ("worker", "team", "department")}
    assert (by["worker"]["W001"].complaints, by["worker"]["W001"].deduction) == (1, 10)
    assert by["worker"]["W002"].complaints == 0  # not justified
    assert (by["team"]["T01"].complaints, by["team"]["T01"].deduction) == (1, 10)
    assert (by["team"]["T02"].complaints, by["team"]["T02"].deduction) == (1, 5)
    assert (by["department"]["SVC-R"].deduction, by["department"]["SVC-C"].deduction) == (12, 5)
    flat = AssessmentConfig.from_dict({"model": {"complaints_roll_up": False}})
    team = {e.key: e for e in score_month(flat, facts, COMPLAINTS, o, "team", AS_OF)}
    assert team["T01"].complaints == 0 and team["T02"].complaints == 1
