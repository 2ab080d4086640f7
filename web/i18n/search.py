"""Search (搜索) at the desk: every year's tickets, a page at a time."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "search_all_years": ("全部年份，按匹配与时间排序", "All years, best match then newest"),
}
