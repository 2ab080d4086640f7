"""The sample hospital's equipment register (设备档案) and maintenance plans (保养计划) for the
demo: lifts, air conditioners on the wards, the oxygen manifold, the power and water plant,
and the plans that keep them — monthly lift servicing, a daily oxygen round with its checklist
dispatched straight to the oxygen team, weekly rounds of the switch room and the pumps.

``seed_facilities`` writes the register through the imports' upsert and makes each plan that
does not exist yet through the plans' own command (so it is checked and audited as a lead's
plan would be); seeding twice changes nothing. The plans start on the day they are seeded, with
lead days so that their first tickets are made at the next sweep whatever the hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from ticketing.imports import UpsertCounts, upsert_records
from ticketing.maintenance import Maintenance
from ticketing.masterdata import kind
from ticketing.model_facilities import MaintenancePlan
from ticketing.seed.hospital import BUILDINGS, WARD_FLOORS
from ticketing.store import Store

# (building digit, building) of the wards' buildings: an air conditioner at each nurse station
_WARD_BUILDINGS = ((2, "A"), (3, "B"))
PLANT = "7"  # 后勤楼: the switch room, the pumps, the oxygen manifold

SWITCH_ROOM_CHECKS = ("配电柜指示灯与仪表读数正常", "无异味、无异响、无过热", "应急照明完好",
                      "绝缘垫、灭火器在位", "值班记录已填写")
OXYGEN_CHECKS = ("汇流排压力在0.4–0.6 MPa", "备用钢瓶充足（不少于10瓶）", "管路与阀门无泄漏",
                 "报警装置试验正常", "交接班记录已填写")
PUMP_CHECKS = ("水泵运行平稳，无漏水", "水箱水位正常", "二次供水消毒记录完整", "控制柜无报警")


def equipment_records() -> list[dict[str, Any]]:
    """The register as import records (deterministic): ~50 pieces of equipment."""
    out: list[dict[str, Any]] = []
    for b, name, _floors, _rooms in BUILDINGS:
        out.append({"code": f"EL-{b}01", "name": f"{name}1号电梯", "type": "电梯",
                    "location_code": f"{b}0101", "supplier_code": "S10", "model": "GPS-III",
                    "serial": f"EL2019{b:02d}01", "installed": date(2019, 6, 1), "status": "in_use"})
    for b, letter in _WARD_BUILDINGS:
        for f in WARD_FLOORS:
            out.append({"code": f"AC-{b}{f:02d}", "name": f"住院部{letter} {f}楼护士站空调",
                        "type": "空调", "location_code": f"{b}{f:02d}01", "supplier_code": "S11",
                        "model": "KFR-72LW", "serial": f"SN2023{b}{f:02d}", "installed": date(2023, 4, 1),
                        "status": "in_use"})
    out += [
        {"code": "O2-MAIN", "name": "中心供氧汇流排", "type": "供氧", "location_code": f"{PLANT}0101",
         "supplier_code": "S18", "model": "HLP-2×10", "serial": "O2-2020-001",
         "installed": date(2020, 9, 1), "status": "in_use"},
        {"code": "PD-01", "name": "1号配电柜", "type": "配电柜", "location_code": f"{PLANT}0102",
         "supplier_code": "S04", "model": "GGD", "serial": "PD-2018-01", "installed": date(2018, 5, 1),
         "status": "in_use"},
        {"code": "PD-02", "name": "2号配电柜", "type": "配电柜", "location_code": f"{PLANT}0102",
         "supplier_code": "S04", "model": "GGD", "serial": "PD-2018-02", "installed": date(2018, 5, 1),
         "status": "in_use"},
        {"code": "GEN-01", "name": "备用柴油发电机", "type": "发电机", "location_code": f"{PLANT}0102",
         "supplier_code": "S04", "model": "500GF", "serial": "GEN-2018-01", "installed": date(2018, 5, 1),
         "status": "standby"},
        {"code": "WP-01", "name": "生活水泵1号", "type": "水泵", "location_code": f"{PLANT}0103",
         "supplier_code": "S03", "model": "CDL32-50", "serial": "WP-2021-01", "installed": date(2021, 3, 1),
         "status": "in_use"},
        {"code": "WP-02", "name": "生活水泵2号", "type": "水泵", "location_code": f"{PLANT}0103",
         "supplier_code": "S03", "model": "CDL32-50", "serial": "WP-2021-02", "installed": date(2021, 3, 1),
         "status": "repair"},
    ]
    return out


def plan_values(today: date) -> list[dict[str, Any]]:
    """The demo's plans, starting ``today``."""
    start = today.isoformat()
    plans: list[dict[str, Any]] = [
        {"code": "PM-O2-DAILY", "name": "中心供氧每日巡检", "kind": "inspection",
         "equipment_code": "O2-MAIN", "skill": "oxygen", "priority": "urgent", "staff_code": "T06-01",
         "unit": "day", "every": 1, "start_date": start, "lead_days": 1,
         "checklist": list(OXYGEN_CHECKS)},
        {"code": "PM-SWITCH-WEEKLY", "name": "配电房每周巡检", "kind": "inspection",
         "location_code": f"{PLANT}0102", "equipment_type": "配电柜", "skill": "repair",
         "unit": "week", "every": 1, "start_date": start, "lead_days": 2, "grace_days": 1,
         "checklist": list(SWITCH_ROOM_CHECKS)},
        {"code": "PM-PUMP-WEEKLY", "name": "生活水泵每周巡检", "kind": "inspection",
         "location_code": f"{PLANT}0103", "equipment_type": "水泵", "skill": "repair",
         "unit": "week", "every": 1, "start_date": start, "lead_days": 2,
         "checklist": list(PUMP_CHECKS)},
        {"code": "PM-GEN-MONTHLY", "name": "备用发电机每月试运行", "equipment_code": "GEN-01",
         "skill": "repair", "unit": "month", "every": 1, "start_date": start, "lead_days": 3,
         "description": "空载试运行30分钟，记录电压、频率、油位"},
        {"code": "PM-AC-FILTER", "name": "病区空调滤网清洗（每季度）", "location_code": "20301",
         "equipment_type": "空调", "skill": "repair", "unit": "month", "every": 3,
         "start_date": start, "lead_days": 7},
    ]
    for b, _name, _floors, _rooms in BUILDINGS:
        plans.append({"code": f"PM-EL-{b}01", "name": f"{_name}1号电梯月度保养",
                      "equipment_code": f"EL-{b}01", "skill": "repair", "unit": "month", "every": 1,
                      "start_date": start, "lead_days": 5, "grace_days": 2,
                      "description": "按TSG T5002：曳引机、制动器、门机、安全钳检查，润滑"})
    return plans


@dataclass
class FacilitiesReport:
    equipment: UpsertCounts = field(default_factory=UpsertCounts)
    plans_created: list[str] = field(default_factory=list)


def seed_facilities(store: Store, maintenance: Maintenance, actor: str = "seed",
                    at: datetime | None = None) -> FacilitiesReport:
    """The register (one transaction, idempotent) and each demo plan not there yet."""
    report = FacilitiesReport()
    with store.session() as s:
        report.equipment = upsert_records(s, kind("equipment"), equipment_records(), actor,
                                          at or datetime.now(UTC))
        existing = set(s.scalars(select(MaintenancePlan.code)))
    for values in plan_values(maintenance.today()):
        if values["code"] not in existing:
            maintenance.create_plan(actor, values)
            report.plans_created.append(values["code"])
    return report
