"""The master data's tables: org units, locations, staff, the phone directory, spare parts,
suppliers and menus — imported from CSV/Excel (``ticketing.imports``) and kept with history in
the audit log.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model_base import Base


class OrgUnit(Base):
    __tablename__ = "org_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(20), default="department")  # department|ward|team|office
    parent_code: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Location(Base):
    __tablename__ = "location"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # keyable digits, e.g. 10305
    campus: Mapped[str] = mapped_column(String(50))
    building: Mapped[str] = mapped_column(String(50))
    floor: Mapped[str] = mapped_column(String(10))
    room: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    org_code: Mapped[str] = mapped_column(String(32), default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    org_code: Mapped[str] = mapped_column(String(32), default="")
    role: Mapped[str] = mapped_column(String(20), default="worker")  # worker|lead|operator|clerk|manager|ward_head
    team: Mapped[str] = mapped_column(String(32), default="", index=True)
    skills: Mapped[str] = mapped_column(String(200), default="")  # comma-separated service types
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)  # normalised mobile
    shift: Mapped[str] = mapped_column(String(20), default="day")  # day|night|all
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    grade: Mapped[str] = mapped_column(String(20), default="")  # labour rate grade (config/labour_rates.toml)

    def skill_set(self) -> set[str]:
        return {s.strip() for s in self.skills.split(",") if s.strip()}


class PhoneEntry(Base):
    """Phone directory: an extension or number → person, department, usual location."""

    __tablename__ = "phone_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    person: Mapped[str] = mapped_column(String(50), default="")
    staff_code: Mapped[str] = mapped_column(String(32), default="")
    org_code: Mapped[str] = mapped_column(String(32), default="")
    location_code: Mapped[str] = mapped_column(String(16), default="")
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SparePart(Base):
    __tablename__ = "spare_part"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(10), default="")
    # on hand: changed only by stock documents (``ticketing.commands.stock``), in step with
    # their lines in the same transaction
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # the unit cost: the moving average of what receipts paid (issues are valued at it)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    supplier_code: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    min_stock: Mapped[int] = mapped_column(Integer, default=0)  # at or below: low-stock alert; 0: none
    reorder_qty: Mapped[int] = mapped_column(Integer, default=0)  # the usual order; 0: up to twice min_stock


class Supplier(Base):
    __tablename__ = "supplier"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MenuItem(Base):
    __tablename__ = "menu_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    menu_date: Mapped[date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(10))  # breakfast|lunch|dinner
    diet: Mapped[str] = mapped_column(String(20), default="regular")  # regular|diabetic|liquid|...
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    cutoff: Mapped[str] = mapped_column(String(5), default="")  # HH:MM the order closes
    active: Mapped[bool] = mapped_column(Boolean, default=True)
