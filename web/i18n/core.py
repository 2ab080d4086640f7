"""The words every page shares: the center's name, the navigation, generic buttons and notes,
the live connection's state."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("一站式后勤服务中心", "One-stop logistics service center"),
    "desk": ("受理台", "Desk"),
    "board": ("调度看板", "Dispatch board"),
    "wallboard": ("大屏", "Wallboard"),
    "stats": ("统计", "Statistics"),
    "admin": ("基础数据", "Master data"),
    "api_docs": ("接口文档", "API docs"),
    "health": ("系统状态", "System health"),
    "language": ("语言", "Language"),
    "masked_note": ("只读账号：号码已隐藏", "Read-only: numbers masked"),
    "live_lost": ("实时连接中断，正在重连…", "Live connection lost, reconnecting…"),
    "missed": ("有更新未送达，已刷新", "Some updates were missed; refreshed"),
    "saved": ("已保存", "Saved"),
    "error": ("错误", "Error"),
    "none": ("无", "Nothing listed"),  # not "None": the pages' check reads that as a leaked null
    "all": ("全部", "All"),
    "save": ("保存", "Save"),
    "edit": ("修改", "Edit"),
    "search": ("搜索", "Search"),
    # header, shared pieces (web/templates/_macros.html)
    "skip_to_content": ("跳到正文", "Skip to content"),
    "navigation": ("导航", "Navigation"),
    "nav_services": ("后勤业务", "Services"),
    "switch_to:zh-CN": ("中文", "中文"),
    "switch_to:en": ("English", "English"),
    "list_sep": ("、", ", "),
    "language_saved": ("界面语言已切换", "Language changed"),
    "pages": ("分页", "Pages"),
    "rows_of": ("第 {first}–{last} 条，共 {total} 条", "{first}–{last} of {total}"),
    "rows_of_more": ("第 {first}–{last} 条，后面还有", "{first}–{last}, more follow"),
    "rows_total": ("共 {total} 条", "{total} in all"),
    "prev_page": ("上一页", "Previous"),
    "next_page": ("下一页", "Next"),
    "filter": ("筛选", "Filter"),
    "show": ("查询", "Show"),
    "close_panel": ("关闭", "Close"),
    "loading": ("加载中…", "Loading…"),
    "floor_fmt": ("{n}层", "F{n}"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
}
