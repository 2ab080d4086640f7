"""The chat bots' formats against their documented shapes: WeCom's markdown message, DingTalk's
markdown and text messages with its signature in the URL, Feishu's card and text with its
signature in the body — each signature computed here, step by step, as the robots' documents
describe it (not with the module's code); the words in zh-CN and English; numbers masked as in
the generic format; and the robots' answers: a non-zero code with HTTP 200 is a refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from hooks import chat
from ticketing import webhook_context
from ticketing.event_feed import masked

NOW = 1764900000.25  # 2025-12-05 02:00:00.25 UTC
STATUS = {"ticket": {"id": 1042, "service_type": "repair", "priority": "normal", "location_code": "10305",
                     "org_code": "D01"}, "actor": "li", "action": "dispatch", "from": "accepted",
          "to": "dispatched", "note": ""}
STATUS_NAMES = {"service": "维修", "place": "1号楼 3F 护士站", "from_status": "已受理", "status": "已派工"}
DINGTALK_SECRET = "SEC1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c"
FEISHU_SECRET = "qwe9Rty8Uio7Pas6Dfg5"


def _body(raw: bytes) -> dict[str, Any]:
    return json.loads(raw.decode("utf-8"))


def test_the_formats_are_the_cores() -> None:
    assert chat.FORMATS == webhook_context.FORMATS


def test_wecom_is_a_markdown_message_without_a_signature() -> None:
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"
    sent_to, raw, headers = chat.request("wecom", url, "", "ticket.status_changed", STATUS, STATUS_NAMES,
                                         "zh-CN", NOW)
    assert sent_to == url and headers["Content-Type"].startswith("application/json")
    assert _body(raw) == {"msgtype": "markdown", "markdown": {"content": (
        "### 工单状态变化 #1042\n> **服务**：维修\n> **地点**：1号楼 3F 护士站\n> **状态**：已受理 → 已派工")}}
    assert len(_body(raw)["markdown"]["content"].encode()) <= 4096


def test_dingtalk_signs_in_the_url_as_its_document_says() -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
    sent_to, raw, _h = chat.request("dingtalk", url, DINGTALK_SECRET, "ticket.status_changed", STATUS,
                                    STATUS_NAMES, "zh-CN", NOW)
    # timestamp: milliseconds; string to sign: timestamp + "\n" + secret; HmacSHA256 keyed with
    # the secret; base64; then URL-encoded
    timestamp = "1764900000250"
    string_to_sign = (timestamp + "\n" + DINGTALK_SECRET).encode("utf-8")
    mac = hmac.new(DINGTALK_SECRET.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    sign = quote(base64.b64encode(mac).decode("ascii"), safe="")
    assert sent_to == f"{url}&timestamp={timestamp}&sign={sign}"
    assert parse_qs(urlsplit(sent_to).query)["sign"] == [base64.b64encode(mac).decode("ascii")]
    assert _body(raw) == {"msgtype": "markdown", "markdown": {
        "title": "工单状态变化 #1042",
        "text": "### 工单状态变化 #1042\n> **服务**：维修\n> **地点**：1号楼 3F 护士站\n> **状态**：已受理 → 已派工"}}


def test_dingtalk_text_without_a_secret_is_sent_unsigned() -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
    sent_to, raw, _h = chat.request("dingtalk_text", url, "", "ticket.status_changed", STATUS, STATUS_NAMES,
                                    "zh-CN", NOW)
    assert sent_to == url
    assert _body(raw) == {"msgtype": "text", "text": {
        "content": "【工单状态变化 #1042】\n服务：维修\n地点：1号楼 3F 护士站\n状态：已受理 → 已派工"}}


def test_feishu_card_signs_in_the_body_as_its_document_says() -> None:
    url = "https://open.feishu.cn/open-apis/bot/v2/hook/xxxxxxxx"
    sent_to, raw, _h = chat.request("feishu", url, FEISHU_SECRET, "ticket.status_changed", STATUS,
                                    STATUS_NAMES, "zh-CN", NOW)
    # timestamp: seconds; HmacSHA256 keyed with timestamp + "\n" + secret over an empty message; base64
    timestamp = "1764900000"
    key = (timestamp + "\n" + FEISHU_SECRET).encode("utf-8")
    sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")
    assert sent_to == url
    assert _body(raw) == {
        "timestamp": timestamp, "sign": sign, "msg_type": "interactive",
        "card": {"header": {"title": {"tag": "plain_text", "content": "工单状态变化 #1042"}, "template": "turquoise"},
                 "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": (
                     "> **服务**：维修\n> **地点**：1号楼 3F 护士站\n> **状态**：已受理 → 已派工")}}]}}


def test_feishu_text_in_english_without_a_secret() -> None:
    names = {"service": "Repair", "place": "1号楼 3F 护士站", "status": "Accepted"}
    created = {"ticket": {"id": 7, "service_type": "repair", "status": "accepted", "location_code": "10305"},
               "actor": "li", "action": "create"}
    _url, raw, _h = chat.request("feishu_text", "https://open.larksuite.com/open-apis/bot/v2/hook/x", "",
                                 "ticket.created", created, names, "en", NOW)
    assert _body(raw) == {"msg_type": "text", "content": {
        "text": "[New ticket #7]\nService: Repair\nPlace: 1号楼 3F 护士站\nStatus: Accepted"}}


def test_an_abandoned_call_shows_the_number_masked_as_the_generic_format_does() -> None:
    call = {"call": {"uniqueid": "1700.1", "caller_num": "13800000001", "caller_name": "张三 13800000001",
                     "service_type": "repair", "queue": "q", "agent": "", "wait_s": 42}}
    payload = masked("call.abandoned", call)  # what a subscription without personal data is given
    _url, raw, _h = chat.request("wecom", "https://bot.example/hook", "", "call.abandoned", payload,
                                 {"service": "维修"}, "zh-CN", NOW)
    content = _body(raw)["markdown"]["content"]
    assert content == "### 来电放弃\n> **服务**：维修\n> **来电**：138\\*\\*\\*\\*0001\n> **等待**：42 秒".replace(
        "\\*", "＊")
    assert "13800000001" not in raw.decode()


def test_an_escalation_says_its_level_and_reason_and_markup_in_values_stays_text() -> None:
    escalated = {"ticket": {"id": 9, "service_type": "repair", "location_code": "A#1"}, "level": 2,
                 "note": "超时未接单 **急**"}
    _url, raw, _h = chat.request("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "",
                                 "ticket.escalated", escalated, {"service": "维修", "place": "A#1"}, "zh-CN", NOW)
    text = _body(raw)["markdown"]["text"]
    assert text == "### 工单升级 #9\n> **服务**：维修\n> **地点**：A＃1\n> **升级级别**：2\n> **原因**：超时未接单 ＊＊急＊＊"


@pytest.mark.parametrize(("fmt", "answer", "refused"), [
    ("wecom", {"errcode": 0, "errmsg": "ok"}, ""),
    ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, "robot refused: code 93000: invalid webhook url"),
    ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, "robot refused: code 310000: sign not match"),
    ("dingtalk_text", {"errcode": 0, "errmsg": "ok"}, ""),
    ("feishu", {"code": 0, "msg": "success", "data": {}}, ""),
    ("feishu", {"StatusCode": 0, "StatusMessage": "success"}, ""),
    ("feishu_text", {"code": 19021, "msg": "sign match fail"}, "robot refused: code 19021: sign match fail"),
    ("feishu", {"code": 9499, "msg": "Bad Request", "data": {}}, "robot refused: code 9499: Bad Request"),
])
def test_a_robots_answer_with_a_non_zero_code_is_a_refusal(fmt: str, answer: dict[str, Any], refused: str) -> None:
    assert chat.refusal(fmt, json.dumps(answer)) == refused


def test_an_answer_that_is_not_the_robots_json_is_not_taken_for_a_message_sent() -> None:
    assert chat.refusal("wecom", "ok").startswith("not the robot's answer")
    assert chat.refusal("feishu", "[]").startswith("not the robot's answer")
    assert chat.refusal("dingtalk", '{"ok": true}').startswith("not the robot's answer")


def test_the_generic_format_is_not_a_chat_bots() -> None:
    with pytest.raises(ValueError, match="not a chat bot's"):
        chat.request("generic", "https://his.example", "s", "ping", {}, {}, "zh-CN", NOW)
