"""What a chat bot's message names beside a delivery's payload: the service's name, the place
and the statuses in the subscription's language (``hooks/chat.py`` writes the message). Read
when a delivery is claimed, so a message says the names as they stand when it is sent."""

from __future__ import annotations

from typing import Any

from ticketing.catalog import Catalog
from ticketing.lifecycle import Status, label
from ticketing.tx import Tx

FORMATS = ("generic", "wecom", "dingtalk", "dingtalk_text", "feishu", "feishu_text")  # = hooks.chat.FORMATS
LANGUAGES = ("zh-CN", "en")


def status_word(status: Any, language: str) -> str:
    try:
        return label(Status(str(status)), language)
    except ValueError:
        return str(status or "")


def place_of(tx: Tx, code: str, language: str) -> str:
    """Building, floor and room of a location code as the desk shows it ("" if none)."""
    if not code:
        return ""
    key = ("hook-place", code)
    if key not in tx.memo:
        row = tx.one("SELECT building, floor, room, name FROM location WHERE code = ?", (code,))
        if row is None:
            tx.memo[key] = code
        else:
            building, floor, room, name = row
            tx.memo[key] = " ".join(p for p in (building, f"{floor}F" if floor else "", name or room) if p) or code
    return str(tx.memo[key])


def context(tx: Tx, catalog: Catalog | None, event: str, payload: dict[str, Any], language: str) -> dict[str, str]:
    """The names a chat message of ``event`` shows (empty for a ping)."""
    def service(code: Any) -> str:
        code = str(code or "")
        if catalog is not None and code in catalog.types:
            return catalog.get(code).name(language)
        return code

    ticket = payload.get("ticket")
    if isinstance(ticket, dict):
        out = {"service": service(ticket.get("service_type")),
               "place": place_of(tx, str(ticket.get("location_code") or ""), language)}
        if event == "ticket.status_changed":
            out |= {"from_status": status_word(payload.get("from"), language),
                    "status": status_word(payload.get("to"), language)}
        elif ticket.get("status"):
            out["status"] = status_word(ticket.get("status"), language)
        return out
    call = payload.get("call")
    if isinstance(call, dict):
        return {"service": service(call.get("service_type"))}
    return {}
