"""The dispatcher's board (调度看板) and the wallboard (大屏)."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "on_duty": ("在岗人员", "On duty"),
    "open_work": ("手头工单", "Open work"),
    "calls_waiting": ("排队来电", "Calls waiting"),
    "longest_wait": ("最长等待", "Longest wait"),
    "operators": ("话务员", "Operators"),
    "open_by_type": ("按类型未完成", "Open by service"),
    "breaches": ("超时工单", "Breaches"),
    "satisfaction_today": ("今日满意度", "Satisfaction today"),
    "by_building": ("按楼宇", "By building"),
    "today_created": ("今日受理", "Created today"),
    "today_done": ("今日办结", "Done today"),
}
