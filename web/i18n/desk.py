"""The operator desk (受理台): the screen pop, the caller's context, search and keyboard
shortcuts, recent calls, suggested workers."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "pop": ("来电弹屏", "Screen pop"),
    "no_call": ("等待来电…", "Waiting for a call…"),
    "caller": ("来电号码", "Caller"),
    "person": ("联系人", "Person"),
    "department": ("科室", "Department"),
    "ivr_choice": ("语音选择", "IVR choice"),
    "repeat_caller": ("重复来电：24小时内有未完成工单", "Repeat caller: open ticket in the last 24 h"),
    "vip": ("重点科室", "VIP"),
    "unknown_caller": ("号码不在电话簿中", "Number not in the directory"),
    "number_withheld": ("未显示号码", "Number withheld"),
    "open_here": ("该来电/地点的近期工单", "Recent tickets of this caller / location"),
    "new_ticket_from_pop": ("据此新建工单 (Enter)", "New ticket from this call (Enter)"),
    "search_hint": ("号码 / 工单号 / 地点 / 文字  ( / )", "Number / ticket # / location / text  ( / )"),
    "shortcuts": ("快捷键", "Shortcuts"),
    "shortcut_help": ("Enter 据弹屏建单 · / 搜索 · N 新建 · D 派发 · Esc 关闭", "Enter ticket from pop · / search · N new · D dispatch · Esc close"),
    "recent": ("最近工单", "Recent tickets"),
    "calls": ("通话记录", "Calls"),
    "suggested": ("推荐人员（在岗、有技能、负载低）", "Suggested (on duty, qualified, least busy)"),
}
