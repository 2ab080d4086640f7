"""A realistic sample hospital for the demo, tests and benchmarks (deterministic: seeded RNG).

One campus with seven buildings (门诊楼, 住院部A/B, 医技楼, 行政楼, 急诊楼, 后勤楼) and 4,000
rooms with keyable five-digit codes (building, floor, room: ``30301`` is 住院部B 3F room 01),
~65 departments and wards, ~300 staff in skilled teams on day and night shifts, a phone
directory that knows the numbers of the recorded traces (6123 张护士, 6240 3B病区, 6100–6105,
6410, 8000), ~2,000 spare parts, suppliers and a week of menus. Master data goes through the
same upsert as imports, so seeding twice changes nothing. ``bulk_tickets`` writes a history of
tickets (rows and the daily rollup) fast enough for a year of data.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.imports import UpsertCounts, upsert_records
from ticketing.masterdata import hash_password, kind
from ticketing.model import DailyStat, Ticket, User, UtcDateTime
from ticketing.service import NewTicket, TicketService
from ticketing.stats import COUNTERS
from ticketing.store import Store
from ticketing.tx import dump_json

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
CENTER = "C01"  # the one-stop service center itself: operators and the manager
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅海燕鹏辉俊峰斌婷雪琳晨浩宇"

DEMO_USERS = (("li", "李晓", "operator", "OP01"), ("wang", "王芳", "operator", "OP02"),
              ("dispatcher", "调度员", "dispatcher", "OP03"), ("lead", "维修班长", "lead", "L-T01"),
              ("manager", "吴主任", "manager", "M001"), ("admin", "管理员", "admin", ""),
              ("viewer", "访客", "viewer", ""))
DEMO_PASSWORD = "demo"


@dataclass
class SeedReport:
    counts: dict[str, UpsertCounts] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    admin_password: str = ""  # set when a non-demo seed created the admin log-in

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: vars(v) for k, v in self.counts.items()}
        out["users"] = self.users
        return out


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
    return Hospital(orgs, locations, staff, _phones(wards), _suppliers(), _parts(rng),
                    _menus(rng, menu_start or _monday(datetime.now(TZ).date())))


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
    orgs += [{"code": c, "name": n, "name_en": f"{skill} team", "kind": "team", "parent_code": "HQC"}
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
                        "on_duty": rng.random() > 0.05})
    for i in range(1, 9):
        out.append({"code": f"CK{i:02d}", "name": _name(rng), "org_code": "HQC", "role": "clerk",
                    "team": "", "skills": "", "phone": next(phones), "shift": "day", "on_duty": True})
    return out


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


SUPPLIER_NAMES = ("华东五金", "申城照明", "沪联水暖", "长江电气", "瑞康医疗设备", "氧源气体", "洁康清洁用品",
                  "安达门窗", "百工工具", "华通电梯", "恒温空调", "新程家具", "安信锁业", "立达管道",
                  "宏远电子", "绿源环保", "明达五金", "康桥医用气体", "欣悦餐具", "天成建材")
PART_FAMILIES = (
    ("灯管", "支", ("T5 14W", "T5 28W", "T8 18W", "T8 36W", "LED 9W", "LED 18W", "LED 24W", "环形 32W"), 8, 40),
    ("灯泡", "个", ("E27 9W", "E27 12W", "E14 5W", "E14 7W", "GU10 5W", "E27 18W", "E27 24W", "节能 15W"), 5, 30),
    ("开关", "个", ("单开", "双开", "三开", "单开双控", "双开双控", "带指示灯", "防水", "86型"), 6, 35),
    ("插座", "个", ("五孔", "三孔16A", "带USB", "防水五孔", "地插", "四位排插", "六位排插", "医用"), 8, 60),
    ("水龙头", "个", ("DN15", "DN20", "感应式", "肘式", "脚踏式", "洗衣机用", "冷热混水", "长颈"), 30, 260),
    ("角阀", "个", ("DN15 冷", "DN15 热", "DN20", "三角", "快开", "铜质", "不锈钢", "带过滤"), 12, 60),
    ("门锁", "把", ("球形", "执手", "防火门", "卫生间", "电子锁", "挂锁", "抽屉锁", "病房门"), 25, 380),
    ("门合页", "副", ("4寸", "5寸", "液压", "不锈钢", "子母", "轴承", "防火", "隐形"), 6, 45),
    ("闭门器", "个", ("60kg", "80kg", "120kg", "地弹簧", "定位", "隐藏式", "防火门", "轻型"), 40, 300),
    ("空调滤网", "片", ("挂机", "柜机", "风管机", "新风", "HEPA", "初效", "中效", "活性炭"), 10, 120),
    ("氧气表", "个", ("浮标式", "壁挂式", "湿化瓶", "流量计", "减压阀", "快插接头", "吸引器", "负压表"), 60, 480),
    ("氧气瓶", "个", ("2L", "4L", "10L", "40L", "推车", "瓶阀", "瓶帽", "防倒架"), 80, 900),
    ("轮椅配件", "个", ("前轮", "后轮", "刹车", "坐垫", "脚踏", "扶手", "内胎", "外胎"), 15, 150),
    ("平车配件", "个", ("脚轮", "护栏", "输液架", "床垫", "刹车", "把手", "升降杆", "挡板"), 20, 300),
    ("病床配件", "个", ("摇把", "床栏", "脚轮", "床头板", "餐桌板", "输液架", "床垫", "气弹簧"), 20, 400),
    ("水管", "米", ("PPR 20", "PPR 25", "PVC 50", "PVC 110", "软管", "不锈钢波纹管", "铝塑管", "镀锌管"), 3, 40),
    ("电线", "卷", ("BV 1.5", "BV 2.5", "BV 4", "BVR 6", "RVV 3x1.5", "网线 六类", "电话线", "护套线"), 80, 600),
    ("断路器", "个", ("1P 16A", "1P 20A", "1P 32A", "2P 32A", "3P 63A", "漏保 2P", "漏保 4P", "塑壳"), 20, 380),
    ("马桶配件", "套", ("水箱配件", "坐圈", "冲水阀", "进水阀", "按钮", "密封圈", "法兰", "软管"), 10, 120),
    ("玻璃", "块", ("5mm", "8mm", "钢化", "磨砂", "夹胶", "观察窗", "柜门", "镜面"), 30, 280),
    ("窗帘配件", "个", ("滑轨", "挂钩", "隔帘", "拉绳", "轨道弯头", "滑轮", "端盖", "遮光帘"), 2, 90),
    ("清洁工具", "个", ("拖把", "尘推", "刮水器", "水桶", "清洁车", "抹布", "手套", "喷壶"), 5, 400),
    ("消毒用品", "瓶", ("含氯消毒片", "75%酒精", "过氧化氢", "季铵盐", "手消毒液", "消毒湿巾", "试纸", "喷雾"), 6, 90),
    ("垃圾袋", "包", ("黄色医疗", "黑色生活", "大号", "中号", "小号", "利器盒", "转运箱", "扎带"), 8, 60),
    ("电池", "节", ("5号", "7号", "1号", "9V", "纽扣", "锂电池", "充电电池", "蓄电池"), 2, 300),
)
BRANDS = ("正泰", "公牛", "欧普", "飞利浦", "九牧", "三环", "鱼跃", "得力", "西门子", "雷士")


def _suppliers() -> list[dict[str, Any]]:
    return [{"code": f"S{i:02d}", "name": n, "contact": f"{n[:1]}经理", "phone": f"021{5550000 + i:08d}"}
            for i, n in enumerate(SUPPLIER_NAMES, start=1)]


def _parts(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for family, unit, specs, low, high in PART_FAMILIES:
        for spec in specs:
            for brand in BRANDS:
                out.append({"code": f"P{len(out) + 1:05d}", "name": f"{brand}{family}", "spec": spec,
                            "unit": unit, "stock": rng.randint(0, 200),
                            "price": Decimal(rng.randint(low * 100, high * 100)) / 100,
                            "supplier_code": f"S{rng.randint(1, len(SUPPLIER_NAMES)):02d}"})
    return out  # 25 families × 8 specs × 10 brands = 2000


DISHES = {
    "breakfast": (("白粥", "liquid"), ("小米粥", "semi_liquid"), ("肉包", "regular"), ("鸡蛋羹", "soft"),
                  ("豆浆油条", "regular"), ("燕麦粥", "diabetic"), ("馄饨", "soft")),
    "lunch": (("红烧鱼", "regular"), ("番茄炒蛋", "regular"), ("清蒸鸡胸", "diabetic"), ("冬瓜汤", "low_salt"),
              ("肉末豆腐", "soft"), ("米汤", "liquid"), ("青菜面", "semi_liquid"), ("土豆牛肉", "regular")),
    "dinner": (("清炒时蔬", "low_fat"), ("蒸蛋", "soft"), ("杂粮饭套餐", "diabetic"), ("鸡丝粥", "semi_liquid"),
               ("糖醋排骨", "regular"), ("藕粉", "liquid"), ("素三鲜饺子", "vegetarian")),
}
CUTOFFS = {"breakfast": "06:30", "lunch": "10:00", "dinner": "15:30"}


def _menus(rng: random.Random, start: date) -> list[dict[str, Any]]:
    out = []
    for d in (start + timedelta(days=i) for i in range(7)):
        for meal, dishes in DISHES.items():
            for n, (name, diet) in enumerate(rng.sample(dishes, 5), start=1):
                out.append({"code": f"M{d:%Y%m%d}{meal[0].upper()}{n:02d}", "name": name,
                            "name_en": "", "menu_date": d, "meal": meal, "diet": diet,
                            "price": Decimal(rng.randint(4, 24) * 50) / 100, "cutoff": CUTOFFS[meal]})
    return out


# --- writing ------------------------------------------------------------------------------------

def seed_hospital(store: Store, demo_users: bool = False, seed: int = SEED,
                  menu_start: date | None = None, actor: str = "seed",
                  at: datetime | None = None) -> SeedReport:
    """Write the sample hospital in one transaction (idempotent). With ``demo_users`` the desk
    log-ins li, wang, dispatcher, lead, manager, admin and viewer get the password ``demo``;
    otherwise only an ``admin`` is created (once) with a random password in the report."""
    hospital = build_hospital(seed, menu_start)
    report = SeedReport()
    at = at or datetime.now(UTC)
    with store.session() as s:
        for name, records in hospital.by_kind():
            report.counts[name] = upsert_records(s, kind(name), records, actor, at)
        report.users, report.admin_password = _users(s, demo_users)
    return report


def _users(s: Session, demo: bool) -> tuple[list[str], str]:
    existing = set(s.scalars(select(User.username)))
    created: list[str] = []
    password = ""
    wanted = DEMO_USERS if demo else (("admin", "管理员", "admin", ""),)
    if not demo and "admin" not in existing:
        password = secrets.token_urlsafe(12)
    for username, display, role, staff_code in wanted:
        if username in existing:
            continue
        s.add(User(username=username, display_name=display, role=role, staff_code=staff_code,
                   password_hash=hash_password(DEMO_PASSWORD if demo else password),
                   language="zh-CN", failed_attempts=0, active=True))
        created.append(username)
    return created, password


# --- historical tickets (bulk) ------------------------------------------------------------------

TYPE_WEIGHTS = (("repair", 38), ("cleaning", 24), ("transport", 16), ("meals", 8), ("oxygen", 6),
                ("complaint", 3), ("operator", 5))


def bulk_tickets(store: Store, n: int, days: int, catalog: Catalog, calendar: BusinessCalendar,
                 end: datetime | None = None, seed: int = SEED, chunk: int = 20_000) -> int:
    """Write ``n`` historical tickets created over the ``days`` before ``end`` with their
    daily rollup, bypassing the commands (no timeline or audit rows): for benches and the
    wallboard over a year of data. Most are finished; those of the last hours are open.
    Returns the number written. Needs the sample hospital (locations, staff) seeded."""
    with store.session() as s:
        ctx = _TicketContext.load(s)
        first_id = int(s.scalar(select(func.max(Ticket.id))) or 0) + 1
    rollup: dict[tuple[date, str, str], list[int]] = {}
    written = 0
    for rows in generate_tickets(ctx, n, days, catalog, calendar, end or datetime.now(UTC), seed,
                                 first_id, rollup, chunk):
        write_tickets(store, rows)
        written += len(rows)
    write_rollup(store, rollup)
    return written


def generate_tickets(ctx: _TicketContext, n: int, days: int, catalog: Catalog,
                     calendar: BusinessCalendar, end: datetime, seed: int, first_id: int,
                     rollup: dict[tuple[date, str, str], list[int]],
                     chunk: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    """Ticket rows in chunks (deterministic for a seed), adding their counters to ``rollup``."""
    rng = random.Random(seed)
    done = 0
    while done < n:
        size = min(chunk, n - done)
        yield [_ticket(rng, ctx, first_id + done + i, end, days, catalog, calendar, rollup)
               for i in range(size)]
        done += size


@dataclass(frozen=True)
class _TicketContext:
    locations: list[tuple[str, str]]
    workers: dict[str, list[str]]
    operators: list[str]
    phones: list[str]
    utc_offset: timedelta  # of the center's time zone, for the day-time bias only

    @classmethod
    def load(cls, s: Session) -> _TicketContext:
        from ticketing.model import Location, PhoneEntry, Staff

        locs = [(c, o) for c, o in s.execute(select(Location.code, Location.org_code))]
        workers: dict[str, list[str]] = {}
        for code, skills in s.execute(select(Staff.code, Staff.skills).where(Staff.role == "worker")):
            for skill in skills.split(","):
                workers.setdefault(skill, []).append(code)
        phones = list(s.scalars(select(PhoneEntry.number)))
        if not locs or not workers:
            raise ValueError("seed the sample hospital first (no locations or workers)")
        offset = datetime.now(TZ).utcoffset() or timedelta(0)
        return cls(locs, workers, ["li", "wang", "OP03", "OP04", "OP05"], phones, offset)


_TYPES = [t for t, w in TYPE_WEIGHTS for _ in range(w)]


def _ticket(rng: random.Random, ctx: _TicketContext, ticket_id: int, end: datetime, days: int,
            catalog: Catalog, calendar: BusinessCalendar,
            rollup: dict[tuple[date, str, str], list[int]]) -> dict[str, Any]:
    st = rng.choice(_TYPES)
    spec = catalog.get(st)
    # Day-time heavy: a night hour is moved into the day three times out of four.
    created = end - timedelta(seconds=int(rng.random() * days * 86400) + 1)
    if not 7 <= (created + ctx.utc_offset).hour < 19 and rng.random() < 0.75:
        created -= timedelta(hours=12)
    priority = "urgent" if spec.urgent_always or rng.random() < 0.1 else "normal"
    response_due, completion_due = catalog.deadlines(st, priority, created, calendar)
    loc, org = rng.choice(ctx.locations)
    skill = spec.skill or "repair"
    worker = rng.choice(ctx.workers.get(skill) or ctx.workers["repair"])
    lim = spec.limits_for(priority)
    row: dict[str, Any] = {
        "id": ticket_id, "service_type": st, "priority": priority, "source": "phone",
        "location_code": loc, "org_code": org, "reporter_name": "", "description": "历史工单",
        "reporter_phone": rng.choice(ctx.phones), "details": {}, "operator": rng.choice(ctx.operators),
        "assignee": worker, "created_at": created, "response_due": response_due,
        "completion_due": completion_due, "escalation_level": 0, "breach_notified": False,
        "reopen_count": 0, "satisfaction_comment": "", "assessment": "", "version": 1,
    }
    for key in ("dispatched_at", "worker_accepted_at", "started_at", "done_at", "called_back_at",
                "assessed_at", "closed_at", "response_s", "completion_s", "response_met",
                "completion_met", "escalated_at", "satisfaction", "merged_into"):
        row[key] = None
    counters = rollup.setdefault((created.astimezone(calendar.tz).date(), st, org), [0] * len(COUNTERS))
    counters[0] += 1
    age = (end - created).total_seconds()
    response = int(rng.lognormvariate(0, 0.5) * lim.response_min * 45)
    completion = response + int(rng.lognormvariate(0, 0.5) * (lim.completion_min - lim.response_min) * 40)
    if rng.random() < 0.03 and age > 600:
        row.update(status="cancelled", closed_at=created + timedelta(seconds=min(age, 300)))
        return row
    if response > age:
        row["status"] = "dispatched"
        row["dispatched_at"] = created + timedelta(seconds=min(age, 60))
        return row
    row.update(dispatched_at=created + timedelta(seconds=min(60, response)),
               worker_accepted_at=created + timedelta(seconds=response), response_s=response,
               response_met=created + timedelta(seconds=response) <= response_due)
    _add(counters, response_sum_s=response, response_n=1, response_met=int(row["response_met"]))
    if completion > age:
        row.update(status="in_progress", started_at=row["worker_accepted_at"])
        return row
    row.update(status="done", started_at=row["worker_accepted_at"], completion_s=completion,
               done_at=created + timedelta(seconds=completion),
               completion_met=created + timedelta(seconds=completion) <= completion_due)
    _add(counters, done=1, completion_sum_s=completion, completion_n=1,
         completion_met=int(row["completion_met"]))
    if age > completion + 86400 and rng.random() < 0.7:
        score = rng.choices((5, 4, 3, 2, 1), (55, 28, 10, 4, 3))[0]
        row.update(status="called_back", satisfaction=score,
                   called_back_at=created + timedelta(seconds=completion + 86400))
        _add(counters, satisfaction_sum=score, satisfaction_n=1)
        if rng.random() < 0.5:
            row.update(status="assessed", assessed_at=row["called_back_at"] + timedelta(hours=2),
                       assessment="合格")
    return row


_INDEX = {c: i for i, c in enumerate(COUNTERS)}


def _add(counters: list[int], **deltas: int) -> None:
    for key, value in deltas.items():
        counters[_INDEX[key]] += value


TICKET_COLUMNS = [c.name for c in Ticket.__table__.columns]
_TIMES = {c.name for c in Ticket.__table__.columns if isinstance(c.type, UtcDateTime)}


def write_tickets(store: Store, rows: list[dict[str, Any]]) -> None:
    """Append ticket rows fast: COPY on PostgreSQL, a raw executemany on SQLite."""
    if store.dialect == "postgresql":
        _copy_tickets(store, rows)
    else:
        _sqlite_tickets(store, rows)


def _sqlite_tickets(store: Store, rows: list[dict[str, Any]]) -> None:
    # The same text SQLAlchemy stores for UtcDateTime on SQLite: naive UTC with microseconds
    # (the generated times are UTC, so cutting "+00:00" off is the conversion).
    times = [i for i, c in enumerate(TICKET_COLUMNS) if c in _TIMES]
    details = TICKET_COLUMNS.index("details")

    def values(row: dict[str, Any]) -> list[Any]:
        out = [row[c] for c in TICKET_COLUMNS]
        for i in times:
            if out[i] is not None:
                out[i] = out[i].isoformat(" ", "microseconds")[:26]
        out[details] = dump_json(out[details])
        return out

    sql = (f"INSERT INTO ticket ({', '.join(TICKET_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)})")
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(sql, [values(r) for r in rows])
        cur.execute("COMMIT")
    finally:
        raw.close()


def _copy_tickets(store: Store, rows: list[dict[str, Any]]) -> None:
    from psycopg.types.json import Jsonb

    raw = store.engine.raw_connection()
    try:
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            cols = ", ".join(TICKET_COLUMNS)
            with cur.copy(f"COPY ticket ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([Jsonb(row[c]) if c == "details" else row[c] for c in TICKET_COLUMNS])
        raw.commit()
    finally:
        raw.close()
    with store.engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                          "(SELECT max(id) FROM ticket))"))


def write_rollup(store: Store, rollup: dict[tuple[date, str, str], list[int]]) -> None:
    """Add the generated counters to ``daily_stat`` (rows may already exist)."""
    with store.session() as s:
        existing = {(d.day, d.service_type, d.org_code): d for d in s.scalars(select(DailyStat))}
        fresh = []
        for key, counters in rollup.items():
            row = existing.get(key)
            if row is None:
                fresh.append({"day": key[0], "service_type": key[1], "org_code": key[2],
                              **dict(zip(COUNTERS, counters, strict=True))})
                continue
            for name, value in zip(COUNTERS, counters, strict=True):
                setattr(row, name, getattr(row, name) + value)
        if fresh:
            s.execute(insert(DailyStat), fresh)


# --- historical tickets through the commands -----------------------------------------------------

class SettableClock(Protocol):
    def now(self) -> datetime: ...

    def set(self, when: datetime) -> None: ...


def tickets_via_service(service: TicketService, clock: SettableClock, n: int, days: int,
                        seed: int = SEED, end: datetime | None = None) -> int:
    """Create ``n`` tickets over the ``days`` before ``end`` through the real commands, each
    with its full timeline, audit, outbox rows and rollup (slow: for small samples)."""
    rng = random.Random(seed)
    end = end or datetime.now(UTC)
    with service.store.session() as s:
        ctx = _TicketContext.load(s)
    starts = sorted(end - timedelta(seconds=rng.randint(60, days * 86400)) for _ in range(n))
    for created in starts:
        clock.set(created)
        _one_lifecycle(service, clock, rng, ctx, created, end)
    return n


def _one_lifecycle(service: TicketService, clock: SettableClock, rng: random.Random,
                   ctx: _TicketContext, created: datetime, end: datetime) -> None:
    st = rng.choice(_TYPES)
    loc, _org = rng.choice(ctx.locations)
    t = service.accept(rng.choice(ctx.operators[:2]), NewTicket(
        service_type=st, location_code=loc, reporter_phone=rng.choice(ctx.phones),
        description="示例工单"))
    skill = service.catalog.get(st).skill
    if not skill:
        if created + timedelta(minutes=30) < end:
            clock.set(created + timedelta(minutes=rng.randint(2, 30)))
            service.complete(t.operator, t.id, note="answered on the phone")
        return
    worker = rng.choice(ctx.workers.get(skill) or ctx.workers["repair"])
    service.dispatch(t.operator, t.id, [worker], print_slip=False)
    lim = service.catalog.get(st).limits_for(t.priority)
    steps = (("accept", lim.response_min), ("start", lim.response_min * 1.3),
             ("complete", lim.completion_min))
    for action, minutes in steps:
        when = max(clock.now() + timedelta(seconds=30),
                   created + timedelta(minutes=minutes * rng.lognormvariate(-0.3, 0.5)))
        if when >= end:
            return
        clock.set(when)
        if action == "accept":
            service.worker_accept(f"sms:{worker}", t.id, worker)
        elif action == "start":
            service.start(f"sms:{worker}", t.id, worker)
        else:
            service.complete(f"sms:{worker}", t.id)
    if clock.now() + timedelta(days=1) < end and rng.random() < 0.6:
        clock.set(clock.now() + timedelta(days=1))
        service.record_callback("survey", t.id, rng.choices((5, 4, 3, 2, 1), (55, 28, 10, 4, 3))[0])
