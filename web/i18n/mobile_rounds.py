"""An inspection round (巡检) on the worker's phone page: the checklist behind the work order's
link (the desk's round page has its words in ``maintenance``; the two share 正常/异常 and the
note on the round)."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "m_round_title": ("巡检清单", "Inspection checklist"),
    "m_round_progress": ("已检 {done}/{n} 项", "{done} of {n} items checked"),
    "m_round_note": ("情况说明（选填）", "What you found (optional)"),
    "m_round_raise": ("异常，生成报修单", "Not OK: raise a repair"),
    "m_round_repaired": ("已报修，工单 #{no}", "Repair raised: ticket #{no}"),
    "m_round_save": ("保存，稍后继续", "Save and go on later"),
    "m_round_complete": ("全部检完，完成巡检", "All checked: complete the round"),
    "m_did_round": ("巡检记录已保存", "Checklist saved"),
    "m_err_round_open": ("巡检清单还有未检查的项目：请在下方逐项填写后再完成。",
                         "Items of the checklist are not checked yet: check each one below, then complete the round."),
}
