"""The master data pages (基础数据): import, history, rows with problems."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "import": ("导入", "Import"),
    "upload": ("上传", "Upload"),
    "history": ("变更记录", "History"),
    "bad_rows": ("有问题的行", "Rows with problems"),
    "kind": ("类别", "Kind"),
}
