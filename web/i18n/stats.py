"""The statistics page (统计) and its export."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "period": ("时段", "Period"),
    "group_by": ("分组", "Group by"),
    "from": ("从", "From"),
    "to": ("到", "To"),
    "show": ("查询", "Show"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_xlsx": ("导出 Excel", "Export Excel"),
    "tickets": ("工单数", "Tickets"),
    "done": ("办结数", "Done"),
    "response_p50": ("响应中位(分)", "Response p50 (min)"),
    "completion_p50": ("完成中位(分)", "Completion p50 (min)"),
    "response_hit": ("响应达标率", "Response met"),
    "completion_hit": ("完成达标率", "Completion met"),
    "satisfaction": ("满意度", "Satisfaction"),
    "trend": ("每日趋势", "Daily trend"),
    "repeat_locations": ("重复报修地点", "Repeat locations"),
}
