"""Facilities: the equipment register (设备档案), maintenance plans and inspection rounds
(保养计划, 巡检), outage notices (停水停电告知) and webhooks."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    # the equipment register on the admin pages
    "kind:equipment": ("设备档案", "Equipment"),
    "eqstatus:in_use": ("在用", "In use"),
    "eqstatus:standby": ("备用", "Standby"),
    "eqstatus:repair": ("维修中", "Under repair"),
    "eqstatus:scrapped": ("报废", "Scrapped"),
}
