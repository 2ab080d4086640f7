"""A small hospital for core tests: two departments, a few rooms, workers and leads."""

from __future__ import annotations

from decimal import Decimal

from ticketing.model import Location, OrgUnit, PhoneEntry, SparePart, Staff
from ticketing.store import Store


def small_hospital(store: Store) -> None:
    with store.session() as s:
        s.add_all([
            OrgUnit(code="D01", name="心内科", name_en="Cardiology", kind="ward"),
            OrgUnit(code="D02", name="ICU", name_en="ICU", kind="ward"),
            OrgUnit(code="T01", name="维修班", name_en="Repair team", kind="team"),
        ])
        s.add_all([
            Location(code="10305", campus="本部", building="1号楼", floor="3", room="305",
                     name="护士站", org_code="D01"),
            Location(code="10306", campus="本部", building="1号楼", floor="3", room="306",
                     name="病房", org_code="D01"),
            Location(code="20101", campus="本部", building="2号楼", floor="1", room="101",
                     name="ICU", org_code="D02"),
        ])
        s.add_all([
            Staff(code="W001", name="王师傅", role="worker", team="T01", skills="repair",
                  phone="13800000001", org_code="T01"),
            Staff(code="W002", name="李师傅", role="worker", team="T01", skills="repair,transport",
                  phone="13800000002", org_code="T01"),
            Staff(code="W003", name="赵阿姨", role="worker", team="T02", skills="cleaning",
                  phone="13800000003"),
            Staff(code="W004", name="孙师傅", role="worker", team="T03", skills="oxygen",
                  phone="13800000004", on_duty=False),
            Staff(code="L001", name="周班长", role="lead", team="T01", skills="repair,oxygen",
                  phone="13800000010"),
            Staff(code="M001", name="吴主任", role="manager", phone="13800000020"),
        ])
        s.add_all([
            PhoneEntry(number="6123", person="张护士", org_code="D01", location_code="10305"),
            PhoneEntry(number="6240", person="3B病区", org_code="D01", location_code="10306"),
            PhoneEntry(number="8001", person="ICU护士站", org_code="D02", location_code="20101",
                       vip=True),
        ])
        s.add(SparePart(code="P0001", name="灯管", spec="T8 36W", unit="支", stock=10,
                        price=Decimal("12.50")))
