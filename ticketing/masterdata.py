"""Master data: what each importable kind holds, how a cell becomes a value, and passwords.

Each kind (org units, staff, the phone directory, locations, spare parts, suppliers, menus,
the equipment register) is a table of fields with English and Chinese header names, a parser per field and the
references it must resolve (a location's department, a part's supplier). ``ticketing.imports``
reads files against these specs; the desk's admin pages can validate a single record with the
same parsers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

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
from ticketing.phone import normalise_number


class BadValue(ValueError):
    """A cell that cannot be used; the message says why, in words an importer can act on."""


# --- cell parsers ---------------------------------------------------------------------------

def text(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if len(value) > limit:
            raise BadValue(f"longer than {limit} characters")
        return value
    return parse


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")


def code(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value and not _CODE.match(value):
            raise BadValue(f"code {value!r} may hold only letters, digits and _ . - /")
        if len(value) > limit:
            raise BadValue(f"code longer than {limit} characters")
        return value
    return parse


def digits_code(limit: int) -> Callable[[str], str]:
    """Location codes are keyed in on a phone: digits only."""
    def parse(raw: str) -> str:
        value = raw.strip()
        if value and not value.isdigit():
            raise BadValue(f"location code {value!r} must be digits a caller can key in")
        if len(value) > limit:
            raise BadValue(f"location code longer than {limit} digits")
        return value
    return parse


INT_MAX = 2_147_483_647  # what an Integer column holds on every engine


def integer(minimum: int = 0, maximum: int = INT_MAX) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = raw.strip().replace(",", "")
        if not value:
            return 0
        try:
            exact = Decimal(value)
        except InvalidOperation:
            raise BadValue(f"{raw!r} is not a number") from None
        if not exact.is_finite():
            raise BadValue(f"{raw!r} is not a number")
        if exact != exact.to_integral_value():
            raise BadValue(f"{raw!r} is not a whole number")
        number = int(exact)
        if number < minimum:
            raise BadValue(f"{number} is below {minimum}")
        if number > maximum:
            raise BadValue(f"{raw.strip()!r} is too large (at most {maximum})")
        return number
    return parse


def price(raw: str) -> Decimal:
    value = raw.strip().lstrip("¥￥").replace(",", "").strip()
    try:
        amount = Decimal(value) if value else Decimal("0")
    except InvalidOperation:
        raise BadValue(f"price {raw!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise BadValue(f"price {raw!r} must be zero or more")
    if amount >= Decimal("10000000000"):
        raise BadValue(f"price {raw!r} is too large")
    if amount != amount.quantize(Decimal("0.01")):
        raise BadValue(f"price {raw!r} has more than 2 decimals")
    return amount.quantize(Decimal("0.01"))


_TRUE = {"1", "y", "yes", "true", "t", "是", "有", "在岗", "值班", "√", "✓", "vip", "x"}
_FALSE = {"0", "n", "no", "false", "f", "否", "无", "不在岗", "休息", ""}


def boolean(default: bool) -> Callable[[str], bool]:
    def parse(raw: str) -> bool:
        value = raw.strip().lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise BadValue(f"{raw!r} is not yes/no (是/否, 1/0)")
    return parse


def choice(options: dict[str, str], default: str) -> Callable[[str], str]:
    """``options`` maps every accepted spelling (lower case) to the stored value."""
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if not value:
            return default
        if value in options:
            return options[value]
        accepted = sorted(set(options.values()))
        raise BadValue(f"{raw.strip()!r} is not one of {', '.join(accepted)}")
    return parse


def mobile(raw: str) -> str:
    """A worker's phone receives SMS work orders: it must be a mainland mobile number."""
    if not raw.strip():
        return ""
    number = normalise_number(raw)
    if not (len(number) == 11 and number.startswith("1")):
        raise BadValue(f"phone {raw.strip()!r} is not an 11-digit mobile number")
    return number


def directory_number(raw: str) -> str:
    number = normalise_number(raw)
    if not 3 <= len(number) <= 20:
        raise BadValue(f"number {raw.strip()!r} is not an extension or phone number")
    return number


def any_phone(raw: str) -> str:
    if not raw.strip():
        return ""
    number = normalise_number(raw)
    if not 3 <= len(number) <= 20:
        raise BadValue(f"phone {raw.strip()!r} is not a phone number")
    return number


SKILLS = {"repair": "repair", "维修": "repair", "cleaning": "cleaning", "保洁": "cleaning",
          "清洁": "cleaning", "oxygen": "oxygen", "氧气": "oxygen", "供氧": "oxygen",
          "transport": "transport", "运送": "transport", "陪检": "transport",
          "meals": "meals", "送餐": "meals", "订餐": "meals", "complaint": "complaint",
          "投诉": "complaint"}


def skills(raw: str) -> str:
    out: list[str] = []
    for part in re.split(r"[,，、;；/\s]+", raw.strip()):
        if not part:
            continue
        key = SKILLS.get(part.lower())
        if key is None:
            raise BadValue(f"unknown skill {part!r}; known: {', '.join(sorted(set(SKILLS.values())))}")
        if key not in out:
            out.append(key)
    return ",".join(out)


def day(raw: str) -> date:
    value = raw.strip().replace("/", "-").replace(".", "-")
    value = re.sub(r"[年月]", "-", value).rstrip("日")
    try:
        y, m, d = (int(p) for p in value.split(" ")[0].split("-"))
        return date(y, m, d)
    except ValueError:
        raise BadValue(f"date {raw.strip()!r} is not YYYY-MM-DD") from None


def optional_day(raw: str) -> date | None:
    return day(raw) if raw.strip() else None


def clock_time(raw: str) -> str:
    value = raw.strip().replace("：", ":")
    if not value:
        return ""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", value)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise BadValue(f"time {raw.strip()!r} is not HH:MM")
    return f"{int(m[1]):02d}:{m[2]}"


ROLES = {"worker": "worker", "工人": "worker", "师傅": "worker", "员工": "worker",
         "lead": "lead", "班长": "lead", "组长": "lead", "operator": "operator",
         "话务员": "operator", "坐席": "operator", "manager": "manager", "主管": "manager",
         "主任": "manager", "经理": "manager", "clerk": "clerk", "文员": "clerk",
         "ward_head": "ward_head", "护士长": "ward_head", "病区护士长": "ward_head",
         "storekeeper": "storekeeper", "库管": "storekeeper", "仓管": "storekeeper",
         "库管员": "storekeeper", "仓管员": "storekeeper", "保管员": "storekeeper"}
# labour rate grades (config/labour_rates.toml, ticketing/costing.py)
GRADES = {"general": "general", "普工": "general", "junior": "junior", "初级": "junior",
          "初级工": "junior", "intermediate": "intermediate", "中级": "intermediate",
          "中级工": "intermediate", "senior": "senior", "高级": "senior", "高级工": "senior",
          "technician": "technician", "技师": "technician", "高级技师": "technician"}
SHIFTS = {"day": "day", "白班": "day", "日班": "day", "night": "night", "夜班": "night",
          "all": "all", "全天": "all", "24h": "all"}
ORG_KINDS = {"department": "department", "科室": "department", "ward": "ward", "病区": "ward",
             "team": "team", "班组": "team", "office": "office", "职能": "office", "处室": "office"}
MEALS = {"breakfast": "breakfast", "早餐": "breakfast", "早": "breakfast", "lunch": "lunch",
         "午餐": "lunch", "中餐": "lunch", "午": "lunch", "dinner": "dinner", "晚餐": "dinner",
         "晚": "dinner"}
EQUIPMENT_STATUS = {"in_use": "in_use", "在用": "in_use", "使用中": "in_use", "正常": "in_use",
                    "standby": "standby", "备用": "standby", "闲置": "standby", "停用": "standby",
                    "repair": "repair", "维修中": "repair", "故障": "repair", "待修": "repair",
                    "scrapped": "scrapped", "报废": "scrapped", "已报废": "scrapped"}
DIETS = {"regular": "regular", "普食": "regular", "普通": "regular", "soft": "soft", "软食": "soft",
         "semi_liquid": "semi_liquid", "半流食": "semi_liquid", "liquid": "liquid", "流食": "liquid",
         "diabetic": "diabetic", "糖尿病": "diabetic", "糖尿病餐": "diabetic",
         "糖尿病饮食": "diabetic", "low_salt": "low_salt", "低盐": "low_salt",
         "low_fat": "low_fat", "低脂": "low_fat", "halal": "halal", "清真": "halal",
         "vegetarian": "vegetarian", "素食": "vegetarian"}


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


# --- desk users' passwords --------------------------------------------------------------------

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or int(n) > 2**20:
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected), maxmem=2**27)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text_: str) -> bytes:
    # validate=True: a stray character is a corrupt hash, not something to skip over
    return base64.b64decode(text_ + "=" * (-len(text_) % 4), altchars=b"-_", validate=True)


def cell_text(value: Any) -> str:
    """An Excel cell as the text a CSV would hold (``305.0`` → ``305``, dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "strftime"):  # datetime.time
        return str(value.strftime("%H:%M"))
    return str(value)
