"""Log-in and log-out (the log-in page's words and its refusals)."""

from __future__ import annotations

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "login_expired": ("登录页已过期，请再试一次", "The log-in form expired; please try again"),
    "locked": ("失败次数过多，账号已锁定，请稍后再试", "Too many failed attempts: locked, try later"),
}
