"""The sample hospital's people and places, built as import records (deterministic: seeded RNG).

One campus with seven buildings (门诊楼, 住院部A/B, 医技楼, 行政楼, 急诊楼, 后勤楼) and 4,000
rooms with keyable five-digit codes (building, floor, room: ``30301`` is 住院部B 3F room 01),
~65 departments and wards, ~300 staff in skilled teams on day and night shifts with a head
nurse per ward, and a phone directory that knows the numbers of the recorded traces (6123
张护士, 6240 3B病区, 6100–6105, 6410, 8000). ``build_hospital`` adds the suppliers, spare parts
and menus of ``supplies`` and returns the whole sample.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ticketing.seed.supplies import menu_records, part_records, supplier_records

SEED = 20261123
CAMPUS = "本部"
TZ = ZoneInfo("Asia/Shanghai")

# building digit, name, floors, rooms per floor: 360 + 1200 + 1200 + 480 + 320 + 240 + 200 = 4000
BUILDINGS = ((1, "门诊楼", 6, 60), (2, "住院部A", 20, 60), (3, "住院部B", 20, 60),
             (4, "医技楼", 8, 60), (5, "行政楼", 8, 40), (6, "急诊楼", 4, 60), (7, "后勤楼", 5, 40))
WARD_FLOORS = range(3, 21)
SPECIALTIES = ("心内科", "呼吸内科", "消化内科", "神经内科", "肾内科", "内分泌科", "血液科", "肿瘤科",
               "老年科", "感染科", "普外科", "骨科", "神经外科", "心胸外科", "泌尿外科", "妇科",
               "产科", "儿科", "新生儿科", "眼科", "耳鼻喉科", "口腔科", "皮肤科", "康复科", "中医科",
               "烧伤科", "血管外科", "乳腺外科", "甲状腺外科", "肝胆外科", "胃肠外科", "风湿免疫科",
               "全科医学科", "疼痛科", "精神心理科", "急诊病房")
WARD_ROOMS = {1: "护士站", 2: "医生办公室", 3: "治疗室", 4: "处置室", 5: "配餐间", 6: "污物间"}
# code, name, English, kind, building digit, floor (their offices and rooms)
DEPARTMENTS = (
    ("MZB", "门诊部", "Outpatient office", "office", 1, 1), ("SFC", "挂号收费处", "Registration", "office", 1, 1),
    ("YJK", "药剂科", "Pharmacy", "department", 1, 2), ("JYK", "检验科", "Laboratory", "department", 4, 2),
    ("FSK", "放射科", "Radiology", "department", 4, 1), ("CSK", "超声科", "Ultrasound", "department", 4, 3),
    ("BLK", "病理科", "Pathology", "department", 4, 4), ("SSS", "手术麻醉科", "Operating rooms", "department", 4, 6),
    ("ICU", "重症医学科", "ICU", "ward", 4, 5), ("JZK", "急诊科", "Emergency", "department", 6, 1),
    ("SXK", "输血科", "Blood bank", "department", 4, 7), ("NJZX", "内镜中心", "Endoscopy", "department", 4, 8),
    ("XTS", "血透室", "Dialysis", "department", 6, 3), ("YB", "院办", "Hospital office", "office", 5, 8),
    ("YWC", "医务处", "Medical affairs", "office", 5, 7), ("HLB", "护理部", "Nursing", "office", 5, 6),
    ("CWC", "财务处", "Finance", "office", 5, 5), ("RSC", "人事处", "Personnel", "office", 5, 4),
    ("XXZX", "信息中心", "IT", "office", 5, 3), ("HQC", "后勤保障处", "Facilities", "office", 7, 2),
    ("BWC", "保卫处", "Security", "office", 7, 1),
)
# code, name, skill, workers, shift of most workers
TEAMS = (("T01", "维修一班", "repair", 36, "day"), ("T02", "维修二班", "repair", 24, "night"),
         ("T03", "保洁一班", "cleaning", 40, "day"), ("T04", "保洁二班", "cleaning", 36, "day"),
         ("T05", "保洁三班", "cleaning", 26, "night"), ("T06", "氧气班", "oxygen", 20, "all"),
         ("T07", "运送一班", "transport", 30, "day"), ("T08", "运送二班", "transport", 20, "night"),
         ("T09", "营养食堂", "meals", 30, "day"))
# The service departments (服务部门) the teams belong to, under 后勤保障处: 考核 scores them.
SERVICE_DEPARTMENTS = (("WXZX", "维修中心", "Maintenance", ("T01", "T02")),
                       ("BJZX", "保洁中心", "Housekeeping", ("T03", "T04", "T05")),
                       ("YSZX", "运送中心", "Transport", ("T06", "T07", "T08")),
                       ("YYSS", "营养膳食科", "Nutrition", ("T09",)))
CENTER = "C01"  # the one-stop service center itself: operators and the manager
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅海燕鹏辉俊峰斌婷雪琳晨浩宇"


@dataclass(frozen=True)
class Hospital:
    """The sample master data as records per import kind (field → value)."""

    org_units: list[dict[str, Any]]
    locations: list[dict[str, Any]]
    staff: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    suppliers: list[dict[str, Any]]
    parts: list[dict[str, Any]]
    menus: list[dict[str, Any]]

    def by_kind(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        # Order matters: records refer to the kinds before them.
        yield from (("org_units", self.org_units), ("locations", self.locations),
                    ("staff", self.staff), ("phones", self.phones), ("suppliers", self.suppliers),
                    ("parts", self.parts), ("menus", self.menus))


def build_hospital(seed: int = SEED, menu_start: date | None = None) -> Hospital:
    """The whole sample, deterministic for a given seed and first menu day."""
    rng = random.Random(seed)
    wards = _wards()
    orgs = _org_units(wards)
    locations = _locations(wards)
    staff = _staff(rng) + _ward_heads(random.Random(seed + 1), wards)
    return Hospital(orgs, locations, staff, _phones(wards), supplier_records(), part_records(rng),
                    menu_records(rng, menu_start or _monday(datetime.now(TZ).date())))


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _wards() -> dict[tuple[int, int], tuple[str, str]]:
    """(building digit, floor) → (ward code, ward name); 3B病区 is 住院部B 3F."""
    out = {}
    names = iter(SPECIALTIES)
    for b, letter in ((2, "A"), (3, "B")):
        for f in WARD_FLOORS:
            out[(b, f)] = (f"W{letter}{f:02d}", f"{f}{letter}病区·{next(names)}")
    return out


def _org_units(wards: dict[tuple[int, int], tuple[str, str]]) -> list[dict[str, Any]]:
    orgs = [{"code": c, "name": n, "name_en": f"Ward {n.split('病区')[0]}", "kind": "ward",
             "parent_code": "HLB"} for c, n in wards.values()]
    orgs += [{"code": c, "name": n, "name_en": en, "kind": k, "parent_code": ""}
             for c, n, en, k, _b, _f in DEPARTMENTS]
    service = {team: code for code, _n, _en, teams in SERVICE_DEPARTMENTS for team in teams}
    orgs += [{"code": c, "name": n, "name_en": en, "kind": "department", "parent_code": "HQC"}
             for c, n, en, _teams in SERVICE_DEPARTMENTS]
    orgs += [{"code": c, "name": n, "name_en": f"{skill} team", "kind": "team", "parent_code": service[c]}
             for c, n, skill, _n, _s in TEAMS]
    orgs.append({"code": CENTER, "name": "一站式服务中心", "name_en": "One-stop service center",
                 "kind": "office", "parent_code": "HQC"})
    return orgs


def _locations(wards: dict[tuple[int, int], tuple[str, str]]) -> list[dict[str, Any]]:
    dept_floor = {(b, f): c for c, _n, _en, _k, b, f in DEPARTMENTS}
    out = []
    for b, building, floors, rooms in BUILDINGS:
        for f in range(1, floors + 1):
            ward = wards.get((b, f))
            org = ward[0] if ward else dept_floor.get((b, f), "")
            for r in range(1, rooms + 1):
                out.append({"code": f"{b}{f:02d}{r:02d}", "campus": CAMPUS, "building": building,
                            "floor": str(f), "room": f"{f}{r:02d}",
                            "name": _room_name(b, r, bool(ward)), "org_code": org})
    return out


def _room_name(building: int, room: int, ward: bool) -> str:
    if ward:
        return WARD_ROOMS.get(room, f"{room - 6}床病房")
    kinds = {1: "诊室", 4: "检查室", 5: "办公室", 6: "抢救室" if room <= 5 else "诊室", 7: "库房"}
    return kinds.get(building, "房间") + f"{room:02d}"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _staff(rng: random.Random) -> list[dict[str, Any]]:
    phones = (f"139{n:08d}" for n in range(1, 10_000))
    out = [{"code": "M001", "name": "吴主任", "org_code": "HQC", "role": "manager", "team": "",
            "skills": "", "phone": next(phones), "shift": "day", "on_duty": True}]
    for i in range(1, 13):
        out.append({"code": f"OP{i:02d}", "name": _name(rng), "org_code": CENTER, "role": "operator",
                     "team": CENTER, "skills": "", "phone": next(phones),
                     "shift": "night" if i > 9 else "day", "on_duty": True})
    for team, _tname, skill, workers, shift in TEAMS:
        out.append({"code": f"L-{team}", "name": _name(rng) + "(班长)", "org_code": team,
                    "role": "lead", "team": team, "skills": skill, "phone": next(phones),
                    "shift": shift, "on_duty": True})
        for n in range(1, workers + 1):
            extra = {"repair": "transport", "cleaning": "transport"}.get(skill, "")
            skills = f"{skill},{extra}" if extra and rng.random() < 0.15 else skill
            out.append({"code": f"{team}-{n:02d}", "name": _name(rng), "org_code": team,
                        "role": "worker", "team": team, "skills": skills, "phone": next(phones),
                        "shift": shift if rng.random() < 0.85 else rng.choice(("day", "night")),
                        "on_duty": rng.random() > 0.05, "grade": _grade(skill, n)})
    for i in range(1, 9):
        out.append({"code": f"CK{i:02d}", "name": _name(rng), "org_code": "HQC", "role": "clerk",
                    "team": "", "skills": "", "phone": next(phones), "shift": "day", "on_duty": True})
    # the stores' keepers (库管): told by SMS when a part runs low (named, not drawn: the RNG's
    # later draws — parts, menus — stay as they were)
    for i, name in enumerate(("钱库管", "孙仓管"), start=1):
        out.append({"code": f"K{i:02d}", "name": name, "org_code": "HQC", "role": "storekeeper",
                    "team": "", "skills": "", "phone": next(phones), "shift": "day", "on_duty": True})
    return out


def _grade(skill: str, n: int) -> str:
    """Tradesmen by technical grade (labour rates: config/labour_rates.toml); the rest 普工."""
    if skill not in ("repair", "oxygen"):
        return "general"
    return ("junior", "intermediate", "intermediate", "senior", "junior", "intermediate", "senior",
            "intermediate", "junior", "technician")[n % 10]


def _ward_heads(rng: random.Random, wards: dict[tuple[int, int], tuple[str, str]]) -> list[dict[str, Any]]:
    """Each ward's head nurse (护士长): approves the ward's meal orders by SMS."""
    return [{"code": f"H-{code}", "name": _name(rng) + "(护士长)", "org_code": code, "role": "ward_head",
             "team": "", "skills": "", "phone": f"136{n:08d}", "shift": "day", "on_duty": True}
            for n, (code, _name_) in enumerate(sorted(wards.values()), start=1)]


def _phones(wards: dict[tuple[int, int], tuple[str, str]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(number: str, person: str, org: str, loc: str, vip: bool = False, staff: str = "") -> None:
        out.append({"number": number, "person": person, "staff_code": staff, "org_code": org,
                    "location_code": loc, "vip": vip})

    for (b, f), (code, name) in sorted(wards.items()):
        base = 6100 if b == 2 else 6240  # A3 → 6100 … A20 → 6117; B3 → 6240 … B20 → 6257
        ward = name.split("·")[0]
        add(str(base + f - 3), f"{ward}护士站", code, f"{b}{f:02d}01")
        add(str(base + 30 + f - 3), f"{ward}医生办公室", code, f"{b}{f:02d}02")
    add("6123", "张护士", wards[(2, 3)][0], "20301")  # "Nurse Zhang" of the recorded traces
    for i, (code, name, _en, _k, b, f) in enumerate(DEPARTMENTS):
        add(str(6400 + i * 5), name, code, f"{b}{f:02d}01")  # 6410 is 药剂科
    add("8000", "急诊抢救室", "JZK", "60101", vip=True)
    add("8001", "ICU护士站", "ICU", "40501", vip=True)
    add("8002", "ICU医生办公室", "ICU", "40502", vip=True)
    for n in range(1, 11):
        add(str(8009 + n), f"手术室{n}", "SSS", f"406{n:02d}", vip=True)
    for r in range(1, 61):
        add(str(7000 + 100 + r), f"门诊诊室{r:02d}", "MZB", f"1{(r - 1) // 10 + 1:02d}{r:02d}")
    for team, tname, *_ in TEAMS:
        add(str(6600 + int(team[1:])), f"{tname}值班室", team, f"7{int(team[1:]) % 5 + 1:02d}01")
    return out
