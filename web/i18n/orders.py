"""Meal orders (订餐: dishes, delivery, the ward head's approval) and cleaning tasks (保洁: area
and kind, ``cleaning:<kind>``)."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "meal_order": ("订餐", "Meal order"),
    "meal:breakfast": ("早餐", "Breakfast"),
    "meal:lunch": ("午餐", "Lunch"),
    "meal:dinner": ("晚餐", "Dinner"),
    "dishes": ("菜品", "Dishes"),
    "qty": ("数量", "Qty"),
    "amount": ("金额", "Amount"),
    "delivery": ("送达时间", "Delivery"),
    "approval": ("审批", "Approval"),
    "approval:pending": ("待护士长审批", "Waiting for the ward head"),
    "approval:approved": ("已同意", "Approved"),
    "approval:rejected": ("不同意", "Rejected"),
    "approve": ("同意", "Approve"),
    "reject": ("不同意", "Reject"),
    "approved_by": ("审批人", "Approved by"),
    "no_dishes": ("尚未选菜：选好后再派发", "No dishes yet: add them before dispatch"),
    "cleaning_area": ("保洁区域", "Area"),
    "cleaning_kind": ("保洁类型", "Kind of cleaning"),
    "cleaning:routine": ("日常保洁", "Routine"),
    "cleaning:spill": ("污染物清理", "Spill"),
    "cleaning:deep": ("深度保洁", "Deep cleaning"),
    "cleaning:terminal_disinfection": ("终末消毒", "Terminal disinfection"),
    "cleaning:medical_waste": ("医废收运", "Medical waste"),
}
