"""Log-in throttling and sessions (security hardening)."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "throttled": ("登录失败次数过多，请稍后再试", "Too many failed log-ins: wait a moment and try again"),
}
