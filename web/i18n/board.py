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
    "team": ("班组", "Team"),
    "skill": ("技能", "Skill"),
    "all_teams": ("全部班组", "All teams"),
    "all_skills": ("全部技能", "All skills"),
    "name_or_code": ("姓名或工号", "Name or code"),
    "only_busy": ("只看有工单的", "Only those with open work"),
    "off_duty": ("不在岗", "off duty"),
    "no_open_work": ("暂无", "none"),
    "undispatched": ("待派发", "Waiting for dispatch"),
    "all_n": ("查看全部 {n} 条", "See all {n}"),
    # the wallboard's queue and service-level panels (web/wallboard.py)
    "queue_panel": ("热线排队", "Hotline queue"),
    "offered_today": ("今日来电", "Calls today"),
    "service_level": ("服务水平（{s} 秒内接听）", "Service level (answered in {s} s)"),
    "answered_today": ("今日接听", "Answered today"),
    "answered_in_sl": ("{s} 秒内接听", "Within {s} s"),
    "abandoned_today": ("今日放弃", "Abandoned today"),
    "service_level_short": ("服务水平", "Service level"),
    "abandon_rate": ("放弃率", "Abandon rate"),
    "members_logged_in": ("已签入", "Logged in"),
    "members_free": ("空闲", "Free"),
    "today_by_hour": ("今日每小时受理 / 办结", "Today by the hour: created / done"),
    "response_hit_today": ("今日响应达标", "Response met today"),
    "completion_hit_today": ("今日完成达标", "Completion met today"),
    "seconds_unit": ("秒", "s"),
}
