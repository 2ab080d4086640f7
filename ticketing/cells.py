"""How a cell of master data becomes a value: the parsers (text, codes, numbers, prices,
yes/no, choices, phone numbers, skills, dates, times) and the vocabularies they accept — the
English words and the Chinese ones a hospital's spreadsheets use (roles, shifts, meals, diets…).

A cell that cannot be used raises ``BadValue`` with a reason an importer can act on. The
master-data kinds (``ticketing.masterdata``), the stock import and the desk's admin pages share
them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

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
