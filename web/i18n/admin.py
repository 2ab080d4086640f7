"""The master data pages (基础数据): the kinds' names (``kind:<name>``), import, history."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "import": ("导入", "Import"),
    "upload": ("上传", "Upload"),
    "history": ("变更记录", "History"),
    "bad_rows": ("有问题的行", "Rows with problems"),
    "kind": ("类别", "Kind"),
    "dry_run": ("只检查不导入", "Check only (dry run)"),
    "changed_at": ("时间", "When"),
    "changed_by": ("操作人", "Who"),
    "change": ("操作", "Action"),
    "before": ("修改前", "Before"),
    "after": ("修改后", "After"),
    # the master data kinds, by the name the CLI, the API and the admin pages use (kind:<name>)
    "kind:locations": ("地点", "Locations"),
    "kind:org_units": ("科室与病区", "Departments and wards"),
    "kind:staff": ("人员", "Staff"),
    "kind:phones": ("电话簿", "Phone directory"),
    "kind:parts": ("备件", "Spare parts"),
    "kind:suppliers": ("供应商", "Suppliers"),
    "kind:menus": ("菜单", "Menus"),
    "kind:users": ("登录账号", "Log-in accounts"),
}
