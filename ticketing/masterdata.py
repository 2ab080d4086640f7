"""Master data: what each importable kind holds.

Each kind (org units, staff, the phone directory, locations, spare parts, suppliers, menus,
the equipment register) is a table of fields with English and Chinese header names, a parser per
field (``ticketing.cells``) and the references it must resolve (a location's department, a
part's supplier). ``ticketing.imports`` reads files against these specs; the desk's admin pages
can validate a single record with the same parsers, which are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ticketing.cells import (
    DIETS,
    EQUIPMENT_STATUS,
    GRADES,
    MEALS,
    ORG_KINDS,
    ROLES,
    SHIFTS,
    SKILLS,
    BadValue,
    any_phone,
    boolean,
    choice,
    clock_time,
    code,
    day,
    digits_code,
    directory_number,
    integer,
    mobile,
    optional_day,
    price,
    skills,
    text,
)
from ticketing.model import (
    Base,
    Location,
    MenuItem,
    OrgUnit,
    PhoneEntry,
    SparePart,
    Staff,
    Supplier,
)
from ticketing.model_facilities import Equipment

# the parsers the admin pages and the stock import take from here, besides the kinds
__all__ = ["KINDS", "KIND_ALIASES", "SKILLS", "BadValue", "Field", "Kind", "Ref", "boolean",
           "choice", "code", "integer", "kind", "kind_name", "price", "text"]


# --- kinds ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    name: str  # the model attribute
    aliases: tuple[str, ...]  # header names accepted, besides ``name`` itself
    parse: Callable[[str], Any]
    required: bool = False  # the column must be present and the cell non-empty


@dataclass(frozen=True)
class Ref:
    """A field whose value must name an existing record (in the store, or in the same file
    when the kind refers to itself); its parser only trims, the reference check decides."""

    field: str
    model: type[Base]
    by_name: bool = False  # also accept the record's exact name (exports often carry names)


@dataclass(frozen=True)
class Kind:
    name: str
    model: type[Base]
    key: str  # the natural key upserts go by
    fields: tuple[Field, ...]
    unique: tuple[str, ...] = ()  # further fields that must not repeat within one file
    refs: tuple[Ref, ...] = ()

    @property
    def entity(self) -> str:
        return str(self.model.__tablename__)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _f(name: str, aliases: str, parse: Callable[[str], Any], required: bool = False) -> Field:
    return Field(name, tuple(a for a in aliases.split("|") if a), parse, required)


_CODE_ALIASES = "编码|代码|编号"
_ORG_ALIASES = "org|department|dept|科室|科室编码|部门|部门编码|所属科室|病区"

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("org_units", OrgUnit, "code", (
        _f("code", _CODE_ALIASES + "|科室编码", code(32), True),
        _f("name", "名称|科室名称|部门名称", text(100), True),
        _f("name_en", "english|english name|英文名称|英文名", text(100)),
        _f("kind", "type|类型|类别", choice(ORG_KINDS, "department")),
        _f("parent_code", "parent|上级|上级编码|上级科室", text(100)),
    ), refs=(Ref("parent_code", OrgUnit, by_name=True),)),
    Kind("staff", Staff, "code", (
        _f("code", _CODE_ALIASES + "|工号|员工编号", code(32), True),
        _f("name", "姓名|名字", text(50), True),
        _f("org_code", _ORG_ALIASES, text(100)),
        _f("role", "角色|岗位|职务", choice(ROLES, "worker")),
        _f("team", "班组|小组", code(32)),
        _f("skills", "skill|技能|专业", skills),
        _f("phone", "mobile|手机|手机号|电话|联系电话", mobile),
        _f("shift", "班次|排班", choice(SHIFTS, "day")),
        _f("on_duty", "on duty|在岗|值班|是否在岗", boolean(True)),
        _f("grade", "职级|技术等级|等级", choice(GRADES, "")),
    ), unique=("phone",), refs=(Ref("org_code", OrgUnit, by_name=True),)),
    Kind("phones", PhoneEntry, "number", (
        _f("number", "phone|extension|号码|电话|分机|分机号|电话号码", directory_number, True),
        _f("person", "name|联系人|姓名|使用人|名称", text(50)),
        _f("staff_code", "staff|工号|员工编号", code(32)),
        _f("org_code", _ORG_ALIASES, text(100)),
        _f("location_code", "location|位置|位置编码|房间编码|地点编码", digits_code(16)),
        _f("vip", "重点|重点科室|贵宾", boolean(False)),
    ), refs=(Ref("org_code", OrgUnit, by_name=True), Ref("location_code", Location),
             Ref("staff_code", Staff))),
    Kind("locations", Location, "code", (
        _f("code", _CODE_ALIASES + "|位置编码|地点编码|房间编码", digits_code(16), True),
        _f("campus", "院区|校区|园区", text(50), True),
        _f("building", "楼栋|楼宇|大楼|建筑", text(50), True),
        _f("floor", "楼层|层", text(10), True),
        _f("room", "房间|房间号|房号", text(20), True),
        _f("name", "名称|位置名称|用途", text(100)),
        _f("org_code", _ORG_ALIASES, text(100)),
    ), refs=(Ref("org_code", OrgUnit, by_name=True),)),
    Kind("parts", SparePart, "code", (
        _f("code", _CODE_ALIASES + "|物料编码|配件编码", code(32), True),
        _f("name", "名称|物料名称|配件名称", text(100), True),
        _f("spec", "specification|规格|规格型号|型号", text(100)),
        _f("unit", "单位|计量单位", text(10)),
        # a new part's stock is its opening balance (a receipt document); an existing part's
        # stock changes only by stock documents (kind ``stock``: ticketing/stock_import.py)
        _f("stock", "库存|数量|库存数量|期初库存", integer(0)),
        _f("price", "单价|价格", price),
        _f("supplier_code", "supplier|供应商|供应商编码", text(100)),
        _f("min_stock", "min stock|minimum|最低库存|安全库存|库存下限", integer(0)),
        _f("reorder_qty", "reorder|reorder qty|订货量|采购批量|补货量", integer(0)),
    ), refs=(Ref("supplier_code", Supplier, by_name=True),)),
    Kind("suppliers", Supplier, "code", (
        _f("code", _CODE_ALIASES + "|供应商编码", code(32), True),
        _f("name", "名称|供应商名称|单位名称", text(100), True),
        _f("contact", "联系人", text(50)),
        _f("phone", "电话|联系电话|手机", any_phone),
    )),
    Kind("menus", MenuItem, "code", (
        _f("code", _CODE_ALIASES + "|菜品编码", code(32), True),
        _f("name", "名称|菜名|菜品|菜品名称", text(100), True),
        _f("name_en", "english|english name|英文名称", text(100)),
        _f("menu_date", "date|日期|供应日期", day, True),
        _f("meal", "餐次|餐别", choice(MEALS, "lunch"), True),
        _f("diet", "diet type|膳食|膳食类型|饮食类型", choice(DIETS, "regular")),
        _f("price", "单价|价格", price, True),
        _f("cutoff", "cut-off|cut off|截止|截止时间|订餐截止", clock_time),
    )),
    # the equipment register (设备档案): maintenance plans name its records
    Kind("equipment", Equipment, "code", (
        _f("code", _CODE_ALIASES + "|设备编码|设备编号|资产编号", code(32), True),
        _f("name", "名称|设备名称", text(100), True),
        _f("type", "equipment type|类型|设备类型|类别|设备类别", text(50)),
        _f("location_code", "location|位置|位置编码|安装位置|安装地点|地点", digits_code(16)),
        _f("supplier_code", "supplier|供应商|供应商编码|厂商|生产厂家", text(100)),
        _f("model", "型号|规格型号", text(100)),
        _f("serial", "serial number|serial no|序列号|出厂编号|机身号", text(100)),
        _f("installed", "installed date|installed on|启用日期|安装日期|投用日期", optional_day),
        _f("status", "状态|设备状态|使用状态", choice(EQUIPMENT_STATUS, "in_use")),
    ), refs=(Ref("location_code", Location), Ref("supplier_code", Supplier, by_name=True))),
)}


# The names each kind had before they were one across the command line, the API and the
# admin pages; scripts may still use them.
KIND_ALIASES: dict[str, str] = {"phone_directory": "phones", "spare_parts": "parts"}


def kind_name(name: str) -> str:
    """The kind's one name: ``name`` itself, or what an old spelling stands for."""
    return KIND_ALIASES.get(name, name)


def kind(name: str) -> Kind:
    """The spec for ``name`` (org_units, staff, phones, locations, parts, suppliers, menus,
    equipment; the old spellings phone_directory and spare_parts too)."""
    try:
        return KINDS[kind_name(name)]
    except KeyError:
        raise ValueError(f"unknown master data kind {name!r}; use one of {', '.join(KINDS)}") from None
