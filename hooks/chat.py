"""Chat bots' webhook formats: the group robots hospitals put in their staff's chat — WeCom
(企业微信群机器人), DingTalk (钉钉自定义机器人) and Feishu/Lark (飞书自定义机器人). Pure: what
goes on the wire, its signature, and whether the robot's answer says it took the message.

A subscription of one of these formats gets a short message instead of the signed JSON
(``hooks.signing``): the event, the ticket's number, its service, place and status, in the
subscription's language (zh-CN by default) — from the delivery's payload (numbers already masked
as for the generic format unless the subscription may see them) and the ``context`` the core
adds (the service's name, the place, the statuses' words).

- ``wecom``: ``{"msgtype": "markdown", "markdown": {"content": …}}`` (at most 4096 bytes); the
  robot's key is in its URL, there is no signature.
- ``dingtalk`` / ``dingtalk_text``: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``
  or ``{"msgtype": "text", "text": {"content"}}``; with the robot's 加签 secret the URL gets
  ``timestamp`` (milliseconds) and ``sign``: base64 of HMAC-SHA256 keyed with the secret over
  ``"<timestamp>\\n<secret>"``, URL-encoded.
- ``feishu`` / ``feishu_text``: ``{"msg_type": "interactive", "card": {…}}`` or
  ``{"msg_type": "text", "content": {"text"}}``; with the robot's 签名校验 secret the body gets
  ``timestamp`` (seconds, as text) and ``sign``: base64 of HMAC-SHA256 keyed with
  ``"<timestamp>\\n<secret>"`` over an empty message.

The robots answer HTTP 200 even when they refuse: WeCom and DingTalk with ``errcode`` ≠ 0,
Feishu with ``code`` ≠ 0. ``refusal`` reads the answer: a refusal (or an answer that is not the
robot's JSON) is a failed attempt, retried with the back-off like a 5xx and logged with the
robot's code and message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

FORMATS = ("generic", "wecom", "dingtalk", "dingtalk_text", "feishu", "feishu_text")
CHAT = FORMATS[1:]
SIGNED = ("dingtalk", "dingtalk_text", "feishu", "feishu_text")  # a robot secret is used if given
WECOM_MAX_BYTES = 4096

# (zh-CN, en)
EVENT_WORDS: dict[str, tuple[str, str]] = {
    "ticket.created": ("新工单", "New ticket"),
    "ticket.status_changed": ("工单状态变化", "Ticket status changed"),
    "ticket.escalated": ("工单升级", "Ticket escalated"),
    "call.answered": ("来电接听", "Call answered"),
    "call.abandoned": ("来电放弃", "Call abandoned"),
    "ping": ("推送测试", "Test message"),
}
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "service": ("服务", "Service"), "place": ("地点", "Place"), "status": ("状态", "Status"),
    "level": ("升级级别", "Level"), "reason": ("原因", "Reason"), "caller": ("来电", "Caller"),
    "wait": ("等待", "Waited"), "agent": ("坐席", "Agent"),
    "by": ("发起人", "Sent by"),
}
SECONDS = ("{n} 秒", "{n} s")
CARD_COLOURS = {"ticket.created": "blue", "ticket.status_changed": "turquoise", "ticket.escalated": "red",
                "call.answered": "green", "call.abandoned": "orange", "ping": "grey"}


def _w(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language.startswith("en") else pair[0]


def _clip(text: Any, n: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def message(event: str, data: Mapping[str, Any], context: Mapping[str, Any],
            language: str) -> tuple[str, list[tuple[str, str]]]:
    """The message's title (one line) and its lines (label, value), in ``language``."""
    lines: list[tuple[str, str]] = []
    name = _w(EVENT_WORDS.get(event, (event, event)), language)

    def add(key: str, value: Any) -> None:
        if value not in (None, ""):
            lines.append((_w(FIELD_WORDS[key], language), _clip(value, 80)))

    ticket = data.get("ticket") if isinstance(data.get("ticket"), dict) else None
    if ticket is not None:
        title = f"{name} #{ticket.get('id', '')}"
        add("service", context.get("service") or ticket.get("service_type"))
        add("place", context.get("place") or ticket.get("location_code"))
        if event == "ticket.status_changed":
            add("status", f"{context.get('from_status') or data.get('from')} → {context.get('status') or data.get('to')}")
        else:
            add("status", context.get("status") or ticket.get("status"))
        if event == "ticket.escalated":
            add("level", data.get("level"))
            add("reason", data.get("note"))
        return title, lines
    call = data.get("call") if isinstance(data.get("call"), dict) else None
    if call is not None:
        add("service", context.get("service") or call.get("service_type"))
        add("caller", call.get("caller_num"))
        if call.get("wait_s") is not None:
            add("wait", _w(SECONDS, language).format(n=call["wait_s"]))
        add("agent", call.get("agent"))
        return name, lines
    add("by", data.get("by"))  # a test from the admin page
    return name, lines


def plain(title: str, lines: list[tuple[str, str]], language: str) -> str:
    sep = ": " if language.startswith("en") else "："
    return "\n".join([f"【{title}】" if not language.startswith("en") else f"[{title}]",
                      *(f"{k}{sep}{v}" for k, v in lines)])


def markdown(title: str, lines: list[tuple[str, str]], language: str, heading: bool = True) -> str:
    sep = ": " if language.startswith("en") else "："
    head = [f"### {title}"] if heading else []  # our words and the ticket's number
    return "\n".join([*head, *(f"> **{_md(k)}**{sep}{_md(v)}" for k, v in lines)])


def _md(text: str) -> str:
    """Text a markdown line shows as it is: the robots' markdown has no escapes, so a value's
    markup characters become their full-width forms (``*`` → ``＊``), never markup."""
    return "".join(chr(ord(c) + 0xFEE0) if c in "\\`*_[]<>#" else c for c in text)


# --- signatures --------------------------------------------------------------------------------

def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` before URL-encoding: base64(HMAC-SHA256(secret, "ts\\nsecret"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: base64(HMAC-SHA256 keyed with "ts\\nsecret" over nothing)."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- the request and the answer ---------------------------------------------------------------

def request(fmt: str, url: str, secret: str, event: str, data: Mapping[str, Any],
            context: Mapping[str, Any], language: str, now_s: float) -> tuple[str, bytes, dict[str, str]]:
    """The URL, body and headers of one attempt in a chat bot's format."""
    title, lines = message(event, data, context, language)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "OneStop-Webhooks/1"}
    body: dict[str, Any]
    if fmt == "wecom":
        content = markdown(title, lines, language)
        while len(content.encode()) > WECOM_MAX_BYTES and lines:  # never with these lines; kept safe
            lines = lines[:-1]
            content = markdown(title, lines, language)
        body = {"msgtype": "markdown", "markdown": {"content": content}}
    elif fmt in ("dingtalk", "dingtalk_text"):
        body = ({"msgtype": "markdown", "markdown": {"title": title, "text": markdown(title, lines, language)}}
                if fmt == "dingtalk" else {"msgtype": "text", "text": {"content": plain(title, lines, language)}})
        if secret:
            ms = int(now_s * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ms}&sign={quote_plus(dingtalk_sign(secret, ms))}"
    elif fmt in ("feishu", "feishu_text"):
        body = ({"msg_type": "interactive", "card": {
                    "header": {"title": {"tag": "plain_text", "content": title},
                               "template": CARD_COLOURS.get(event, "blue")},
                    "elements": [{"tag": "div", "text": {"tag": "lark_md",
                                                         "content": markdown(title, lines, language, heading=False)}}]}}
                if fmt == "feishu" else {"msg_type": "text", "content": {"text": plain(title, lines, language)}})
        if secret:
            ts = int(now_s)
            body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
    else:
        raise ValueError(f"format {fmt!r} is not a chat bot's; use one of {', '.join(CHAT)}")
    return url, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), headers


def refusal(fmt: str, answer: str) -> str:
    """Why a robot's HTTP 2xx answer is not a message taken ("" if it is)."""
    try:
        got = json.loads(answer)
    except ValueError:
        got = None
    if not isinstance(got, dict):
        return f"not the robot's answer: {_clip(answer, 120)!r}"
    if fmt.startswith("feishu"):
        code = got.get("code", got.get("StatusCode"))
        text = got.get("msg", got.get("StatusMessage", ""))
    else:
        code, text = got.get("errcode"), got.get("errmsg", "")
    if code == 0:
        return ""
    return f"robot refused: code {code}: {_clip(text, 160)}" if code is not None else \
        f"not the robot's answer: {_clip(answer, 120)!r}"
