"""SMS texts from jinja2 templates in ``config/sms`` — the core's ``Composer`` port.

Lookup: ``<template>.<service_type>.<language>.j2``, then ``<template>.<language>.j2``, then
the same in the default language (zh-CN). Every template is rendered with long sample data
when loaded and refused if it needs more than two SMS parts (134 UCS-2 characters for
Chinese): a work order that arrives in three pieces, out of order, is a work order misread.
A work order that carries the link to its page (``link``, last in the text) may take one part
more in the worst case; its description is clipped shorter, so the common one keeps its parts.
"""

from __future__ import annotations

import itertools
import logging
import re
from pathlib import Path
from typing import Any

import jinja2

from modem.encoding import PART_LIMIT, split_text

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "config" / "sms"
DEFAULT_LANGUAGE = "zh-CN"
_LINE_BREAKS = re.compile(r"[ \t]*\n[ \t]*")
_RUNS = re.compile(r" {2,}")
MAX_PARTS = 2


class TemplateBudgetError(ValueError):
    """A template renders longer than the budget; the message names each offender."""


_SPACE = re.compile(r"\s+")


def clip(value: Any, n: int) -> str:
    """At most ``n`` characters, an ellipsis marking the cut."""
    text = _SPACE.sub(" ", str(value or "")).strip()
    return text if len(text) <= n else text[: max(0, n - 1)] + "…"


def place(loc: Any) -> str:
    """A location dict as a worker reads it: building floor room, else its name."""
    if not isinstance(loc, dict):
        return str(loc or "")
    floor = f"{loc.get('floor')}F" if loc.get("floor") else ""
    text = "".join(str(p) for p in (loc.get("building"), floor, loc.get("room")) if p)
    return text or str(loc.get("name") or loc.get("code") or "")


SAMPLE: dict[str, Any] = {
    "worker": "王师傅", "worker_code": "W001", "ticket_id": 1234567, "service_type": "repair",
    "service_name": "维修", "priority": "critical",
    "location": {"code": "A0305", "campus": "本部", "building": "门诊医技综合楼", "floor": "12",
                 "room": "1205-1", "name": "门诊医技综合楼12层1205-1"},
    "description": "空调不制冷且漏水严重，病房温度过高，病人家属多次投诉，请尽快处理并带上备件" * 2,
    "reporter_name": "李护士长", "reporter_phone": "13800000000",
    "response_due": "2026-11-23T09:30:00+00:00", "completion_due": "2026-11-23T11:30:00+00:00",
    "response_due_local": "11-23 17:30", "completion_due_local": "11-23 19:30",
    "reason": "超时未接单，已转下一位值班人员，请班组长跟进协调" * 2, "level": 3,
    "detail": "工单状态不允许此操作：已派工但未接单" * 3,
    "dishes": "宫保鸡丁饭×2、清蒸鲈鱼×1、糖尿病餐（低糖低脂）×3、小米粥×4、番茄炒蛋×2、米饭×6",
    "delivery_local": "11-23 11:30", "order_total": "1234.50",
    # the requester's SMS (ticketing/commands/requester.py), complaint replies, campaigns
    "workers_text": "王师傅、李师傅、赵阿姨", "score": 5,
    "reply_text": "经调查，您反映的维修人员未按时到达情况属实，已对当事人批评教育并调整排班，感谢您的监督。" * 2,
    "campaign_name": "2026年第四季度病区后勤服务满意度调查",
    # a low-stock alert to the storekeepers (template low_stock)
    "part_code": "P00123456789", "part_name": "飞利浦LED灯管（医用防眩）", "spec": "T8 36W 1.2米 冷白光",
    "unit": "支", "stock": 12345, "min_stock": 20000, "supplier": "上海华东五金机电设备有限公司",
    "supplier_phone": "021-55550001-8001",
    # an escort (陪检): the transport work order prints these when the ticket has them
    "patient": "欧阳娜娜娜", "bed": "12床加床", "appointment_local": "14:00", "pickup_local": "13:30",
    "escort_from": {"building": "住院部A栋", "floor": "12", "room": "1205-1"},
    "escort_to": {"building": "门诊医技综合楼", "floor": "B1", "room": "CT-3"},
    "conveyance": "wheelchair", "oxygen": True, "isolation": "airborne", "exam": "增强CT（胸腹部）",
    "open": 48, "total": 50,  # a round's items not checked, of its checklist
    "code": "123456", "minutes": 10, "center": "某某大学附属第一医院一站式后勤服务中心",
    # outage notices (ticketing/notices.py)
    "notice_kind": "network", "department": "住院部A二十病区·急诊病房（东区）护理单元",
    "places": "住院部A、住院部B、门诊医技综合楼12F、急诊楼3F", "starts_local": "11-23 22:00",
    "ends_local": "11-24 06:00", "text": "因配电室改造需停电，请提前做好应急照明准备并关闭不必要的用电设备，谢谢配合" * 2,
    "center_name": "一站式后勤服务中心（总院区后勤保障处）",
}
# a work order's link as an intranet address makes it (``[web] base_url`` + a 19-character token)
SAMPLE_LINK = "http://10.20.1.5:8080/w/AsDEB90TILh2b0XliGQ"
VARIANTS: dict[str, dict[str, list[Any]]] = {
    "confirm": {"action": ["accept", "arrived", "done", "cannot", "approve", "reject"]},
    # round_open: a round's 完成 with items open, with the link to the checklist where there is one
    "explain": {"why": ["unreadable", "unknown_ticket", "not_assigned", "closed", "refused", "round_open"],
                "link": ["", SAMPLE_LINK]},
    "requester_explain": {"why": ["never_asked", "out_of_range", "already", "unknown_reply", "opted_out"]},
    "work_order": {"link": ["", SAMPLE_LINK]},
    "reporter": {"link": [SAMPLE_LINK.replace("/w/", "/s/")]},
    "worker_list": {"link": [SAMPLE_LINK.replace("/w/", "/l/")]},
}


class SmsComposer:
    """``Composer``: ``render(template, language, data) -> str``."""

    def __init__(self, directory: str | Path | None = None, default_language: str = DEFAULT_LANGUAGE,
                 max_parts: int = MAX_PARTS, check: bool = True) -> None:
        self.directory = Path(directory) if directory else TEMPLATE_DIR
        self.default_language = default_language
        self.max_parts = max_parts
        # read at start: no stat of the file per SMS (a changed template needs a restart)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(self.directory)),
                                      autoescape=False, trim_blocks=True, keep_trailing_newline=False,
                                      auto_reload=False)
        self.env.filters.update(clip=clip, place=place)
        self._names: frozenset[str] | None = None
        self._resolved: dict[tuple[str, str, str], str] = {}
        # per file: its template and its globals as one plain dict (``tpl.globals`` is a
        # ChainMap: spreading it per SMS was 5 µs, ~40 % of a work order's render)
        self._loaded: dict[str, tuple[jinja2.Template, dict[str, Any]]] = {}
        if check:
            self.check()

    def render(self, template: str, language: str, data: dict[str, Any]) -> str:
        """The SMS text; whitespace collapsed so layout in the file costs no characters."""
        name = self._resolve(template, language, str(data.get("service_type") or ""))
        loaded = self._loaded.get(name)
        if loaded is None:
            tpl = self.env.get_template(name)
            loaded = self._loaded[name] = (tpl, dict(tpl.globals))
        tpl, env_globals = loaded
        # ``tpl.render`` without its copies: the context reads one merged dict (shared), ~half
        # of a work order's render
        ctx = tpl.new_context({**env_globals, **data}, shared=True)
        try:
            out = "".join(tpl.root_render_func(ctx))
        except Exception:
            self.env.handle_exception()  # raises, with the template's line in the traceback
        text = _RUNS.sub(" ", _LINE_BREAKS.sub(" ", out).strip())
        # A part holds 67 UTF-16 units at least (UCS-2; GSM-7 holds more): only a text longer
        # than that many parts can need more, and only then is it worth splitting to count.
        budget = self.max_parts + (1 if data.get("link") else 0)
        if len(text.encode("utf-16-le")) > 2 * PART_LIMIT["ucs2"] * budget:
            parts = len(split_text(text).parts)
            if parts > budget:
                log.warning("SMS %s for ticket %s needs %d parts", template, data.get("ticket_id"), parts)
        return text

    def _resolve(self, template: str, language: str, service_type: str) -> str:
        """The file for this template, language and service type: the directory is listed
        once (templates are read at start) and each answer kept — listing it per SMS was a
        third of the render."""
        key = (template, language, service_type)
        found = self._resolved.get(key)
        if found is None:
            if self._names is None:
                self._names = frozenset(self.env.list_templates(extensions=["j2"]))
            found = next((name for lang in (language, self.default_language)
                          for name in (f"{template}.{service_type}.{lang}.j2", f"{template}.{lang}.j2")
                          if name in self._names), None)
            if found is None:
                raise jinja2.TemplateNotFound(f"{template}.{language}.j2 in {self.directory}")
            self._resolved[key] = found
        return found

    def check(self) -> None:
        """Render every template with the long sample (and each variant); raise if any
        needs more than ``max_parts`` parts."""
        problems: list[str] = []
        for name in self.env.list_templates(extensions=["j2"]):
            template, *rest = name[:-3].split(".")
            for data in _samples(template, rest[0] if len(rest) == 2 else "repair"):
                text = self.render(template, rest[-1], data)
                parts = split_text(text)
                if len(parts.parts) > self.max_parts + (1 if data.get("link") else 0):
                    problems.append(f"{name} ({data.get('action') or data.get('why') or ''}): "
                                    f"{len(text)} characters, {len(parts.parts)} {parts.alphabet} parts")
        if problems:
            listing = "\n  ".join(problems)
            raise TemplateBudgetError(f"SMS templates over budget of {self.max_parts} parts:\n  {listing}")


def _samples(template: str, service_type: str) -> list[dict[str, Any]]:
    variants = VARIANTS.get(template, {})
    keys = list(variants)
    out = []
    for combo in itertools.product(*(variants[k] for k in keys)) if keys else [()]:
        data = dict(SAMPLE, service_type=service_type, **dict(zip(keys, combo, strict=True)))
        out.append(data)
    return out
