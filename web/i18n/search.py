"""Search (搜索) at the desk: every year's tickets, a page at a time."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "search_all_years": ("全部年份，按匹配与时间排序", "All years, best match then newest"),
    "search_newest_only": ("单个字只查找了 {n} 号及以后的工单，按时间排序；再输入一个字可查找全部年份",
                           "One character: tickets from No. {n} on only, newest first; type a second character "
                           "to search every year"),
}
