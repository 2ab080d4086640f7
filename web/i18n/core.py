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
    "none": ("无", "None"),
    "all": ("全部", "All"),
    "save": ("保存", "Save"),
    "edit": ("修改", "Edit"),
    "search": ("搜索", "Search"),
}
