"""The pages' words in zh-CN (the default) and English; each user picks one (app_user.language)."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh-CN", "en")

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("一站式后勤服务中心", "One-stop logistics service center"),
    "meal_order": ("订餐", "Meal order"), "meal:breakfast": ("早餐", "Breakfast"),
    "meal:lunch": ("午餐", "Lunch"), "meal:dinner": ("晚餐", "Dinner"), "dishes": ("菜品", "Dishes"), "qty": ("数量", "Qty"),
    "amount": ("金额", "Amount"), "delivery": ("送达时间", "Delivery"),
    "approval": ("审批", "Approval"), "approval_pending": ("待护士长审批", "Waiting for the ward head"),
    "approval_approved": ("已同意", "Approved"), "approval_rejected": ("不同意", "Rejected"),
    "approve": ("同意", "Approve"), "reject": ("不同意", "Reject"),
    "approved_by": ("审批人", "Approved by"), "no_dishes": ("尚未选菜：选好后再派发", "No dishes yet: add them before dispatch"),
    "cleaning_area": ("保洁区域", "Area"), "cleaning_kind": ("保洁类型", "Kind of cleaning"),
    "clean_routine": ("日常保洁", "Routine"), "clean_spill": ("污染物清理", "Spill"),
    "clean_deep": ("深度保洁", "Deep cleaning"), "clean_terminal_disinfection": ("终末消毒", "Terminal disinfection"),
    "clean_medical_waste": ("医废收运", "Medical waste"),
    "login": ("登录", "Log in"), "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"), "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "locked": ("失败次数过多，账号已锁定，请稍后再试", "Too many failed attempts: locked, try later"),
    "desk": ("受理台", "Desk"), "board": ("调度看板", "Dispatch board"),
    "wallboard": ("大屏", "Wallboard"), "stats": ("统计", "Statistics"),
    "admin": ("基础数据", "Master data"), "api_docs": ("接口文档", "API docs"),
    "pop": ("来电弹屏", "Screen pop"), "no_call": ("等待来电…", "Waiting for a call…"),
    "caller": ("来电号码", "Caller"), "person": ("联系人", "Person"),
    "department": ("科室", "Department"), "location": ("地点", "Location"),
    "ivr_choice": ("语音选择", "IVR choice"), "repeat_caller": ("重复来电：24小时内有未完成工单",
                                                           "Repeat caller: open ticket in the last 24 h"),
    "vip": ("重点科室", "VIP"), "unknown_caller": ("号码不在电话簿中", "Number not in the directory"),
    "open_here": ("该来电/地点的近期工单", "Recent tickets of this caller / location"),
    "new_ticket_from_pop": ("据此新建工单 (Enter)", "New ticket from this call (Enter)"),
    "new_ticket": ("新建工单", "New ticket"), "service_type": ("服务类型", "Service"),
    "priority": ("紧急程度", "Priority"), "description": ("描述", "Description"),
    "reporter": ("报告人", "Reporter"), "phone": ("电话", "Phone"),
    "create": ("受理", "Create"), "save": ("保存", "Save"), "dispatch": ("派发", "Dispatch"),
    "reprint": ("补打工单", "Reprint slip"), "resend": ("重发短信", "Resend SMS"),
    "close": ("办结", "Close"), "cancel": ("取消", "Cancel"), "reopen": ("重开", "Reopen"),
    "merge": ("合并重复", "Merge duplicate"), "merge_into": ("合并到工单号", "Merge into ticket #"),
    "callback": ("回访结果", "Call-back result"), "score": ("满意度(1-5)", "Satisfaction (1-5)"),
    "comment": ("意见", "Comment"), "assess": ("考核", "Assess"), "edit": ("修改", "Edit"),
    "search": ("搜索", "Search"),
    "search_hint": ("号码 / 工单号 / 地点 / 文字  ( / )", "Number / ticket # / location / text  ( / )"),
    "suggested": ("推荐人员（在岗、有技能、负载低）", "Suggested (on duty, qualified, least busy)"),
    "workers": ("人员", "Workers"), "status": ("状态", "Status"), "created": ("创建时间", "Created"),
    "timeline": ("处理过程", "Timeline"), "ticket": ("工单", "Ticket"),
    "open_tickets": ("未完成工单", "Open tickets"), "overdue": ("超时", "Overdue"),
    "on_duty": ("在岗人员", "On duty"), "open_work": ("手头工单", "Open work"),
    "sms": ("短信", "SMS"), "calls_waiting": ("排队来电", "Calls waiting"),
    "longest_wait": ("最长等待", "Longest wait"), "operators": ("话务员", "Operators"),
    "open_by_type": ("按类型未完成", "Open by service"), "breaches": ("超时工单", "Breaches"),
    "satisfaction_today": ("今日满意度", "Satisfaction today"), "by_building": ("按楼宇", "By building"),
    "today_created": ("今日受理", "Created today"), "today_done": ("今日办结", "Done today"),
    "period": ("时段", "Period"), "group_by": ("分组", "Group by"), "from": ("从", "From"),
    "to": ("到", "To"), "show": ("查询", "Show"), "export_csv": ("导出 CSV", "Export CSV"),
    "export_xlsx": ("导出 Excel", "Export Excel"), "tickets": ("工单数", "Tickets"),
    "done": ("办结数", "Done"), "response_p50": ("响应中位(分)", "Response p50 (min)"),
    "completion_p50": ("完成中位(分)", "Completion p50 (min)"),
    "response_hit": ("响应达标率", "Response met"), "completion_hit": ("完成达标率", "Completion met"),
    "satisfaction": ("满意度", "Satisfaction"), "trend": ("每日趋势", "Daily trend"),
    "repeat_locations": ("重复报修地点", "Repeat locations"),
    "import": ("导入", "Import"), "upload": ("上传", "Upload"), "history": ("变更记录", "History"),
    "bad_rows": ("有问题的行", "Rows with problems"), "kind": ("类别", "Kind"),
    "shortcuts": ("快捷键", "Shortcuts"),
    "shortcut_help": ("Enter 据弹屏建单 · / 搜索 · N 新建 · D 派发 · Esc 关闭",
                      "Enter ticket from pop · / search · N new · D dispatch · Esc close"),
    "live_lost": ("实时连接中断，正在重连…", "Live connection lost, reconnecting…"),
    "missed": ("有更新未送达，已刷新", "Some updates were missed; refreshed"),
    "saved": ("已保存", "Saved"), "error": ("错误", "Error"), "none": ("无", "None"),
    "all": ("全部", "All"), "recent": ("最近工单", "Recent tickets"), "calls": ("通话记录", "Calls"),
    "language": ("语言", "Language"), "masked_note": ("只读账号：号码已隐藏", "Read-only: numbers masked"),
    "sms_queued": ("待发", "queued"), "sms_sent": ("已发", "sent"), "sms_delivered": ("已达", "delivered"),
    "sms_replied": ("已回复", "replied"), "sms_failed": ("失败", "failed"), "sms_none": ("—", "—"),
    "normal": ("普通", "normal"), "urgent": ("紧急", "urgent"), "critical": ("危急", "critical"),
    "health": ("系统状态", "System health"),
}


def translate(key: str, language: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[1] if language == "en" else pair[0]


def translator(language: str) -> Callable[[str], str]:
    lang = language if language in LANGUAGES else "zh-CN"
    return lambda key: translate(key, lang)


def catalog(language: str) -> dict[str, str]:
    """The whole catalog in one language (handed to the pages' JavaScript)."""
    return {k: translate(k, language) for k in MESSAGES}
