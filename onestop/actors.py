"""The people of the demo, each acting only through the interfaces real people use.

- ``Callers`` dial the hotline on the emulated PBX (a morning peak, every service type, some
  who give up in the queue or hang up in the IVR).
- ``DeskRobot`` is an operator at the desk: it logs in over HTTP, listens to its screen pops
  on the SSE stream, and creates and dispatches a ticket from each through the JSON API.
- ``FieldWorkers`` carry the phones: they read the work orders the emulated modem delivered
  and answer after plausible delays (接单, 到达, 完成) — every other order on the work order's
  page, through the link the SMS carries (over HTTP, as a phone's browser does, with a photo
  of the work now and then), the others by SMS; the ``phone_only`` ones take the order on the
  acknowledgement call instead (then report on site and done as the others do); the ward heads
  among them answer meal orders' approval requests (同意, now and then 不同意).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from onestop.pbx import CallScript, EmulatedPbx

log = logging.getLogger(__name__)

# key → share of calls (repair is the busiest line of a hospital's logistics hotline)
MENU_MIX = (("1", 0.34), ("2", 0.10), ("3", 0.18), ("4", 0.09), ("5", 0.16), ("9", 0.05), ("0", 0.08))
DESCRIPTIONS = {
    "repair": ["病房灯不亮", "水龙头漏水", "空调不制冷", "门锁坏了", "插座没电"],
    "meals": ["加订一份糖尿病餐", "明早流食两份"],
    "cleaning": ["病房需要终末消毒", "走廊地面有积水", "卫生间需要清洁"],
    "oxygen": ["3床需要氧气瓶", "氧气压力不足"],
    "transport": ["送病人去CT室", "标本送检验科", "轮椅接病人出院"],
    "complaint": ["送餐太慢", "维修人员态度好"],
    "operator": ["咨询报修进度"],
}


@dataclass
class Caller:
    number: str
    name: str


@dataclass
class Callers:
    pbx: EmulatedPbx
    people: Sequence[Caller]
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    results: list[Any] = field(default_factory=list)

    def script(self) -> CallScript:
        who = self.rng.choice(list(self.people))
        digit = self.rng.choices([k for k, _ in MENU_MIX], [w for _, w in MENU_MIX])[0]
        roll = self.rng.random()
        if roll < 0.03:
            return CallScript(who.number, who.name, [], hangup_in_ivr=True)
        patience = 4.0 if roll < 0.12 else 60.0
        return CallScript(who.number, who.name, [digit], patience_s=patience,
                          talk_s=self.rng.uniform(3, 8))

    async def run(self, calls: int | None = None, peak_gap_s: float = 4.0, calm_gap_s: float = 15.0,
                  peak_calls: int = 20) -> None:
        """Place calls: a burst (the 8 o'clock rounds), then a calmer stream."""
        placed = 0
        tasks: set[asyncio.Task[None]] = set()
        while calls is None or placed < calls:
            gap = peak_gap_s if placed < peak_calls else calm_gap_s
            task = asyncio.create_task(self._one(self.script()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            placed += 1
            await asyncio.sleep(self.rng.expovariate(1 / gap))
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, script: CallScript) -> None:
        try:
            self.results.append(await self.pbx.place_call(script))
        except Exception:
            log.exception("demo call from %s failed", script.caller_num)


class DeskRobot:
    """An operator who turns every pop into a ticket and dispatches it to the suggested worker."""

    def __init__(self, base_url: str, username: str, password: str, delay_s: float = 2.0,
                 rng: random.Random | None = None) -> None:
        self.base_url, self.username, self.password = base_url, username, password
        self.delay_s = delay_s
        self.rng = rng or random.Random(username)
        self.created: list[int] = []
        self.errors = 0
        # each request it made at the desk (not logging in, not its stream): ("GET /path", ms)
        self.answered: list[tuple[str, float]] = []
        self.ready = asyncio.Event()  # set once its event stream is subscribed (pops reach it)
        self._sent: dict[int, float] = {}

    async def _request(self, request: httpx.Request) -> None:
        self._sent[id(request)] = time.perf_counter()

    async def _response(self, response: httpx.Response) -> None:
        t0 = self._sent.pop(id(response.request), None)
        path = response.request.url.path
        if t0 is not None and path != "/api/events" and self.ready.is_set():
            what = f"{response.request.method} {re.sub(r'/[0-9]+(?=/|$)', '/{id}', path)}"
            self.answered.append((what, (time.perf_counter() - t0) * 1000))

    async def run(self) -> None:
        hooks: dict[str, list[Any]] = {"request": [self._request], "response": [self._response]}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30, event_hooks=hooks) as http:
            csrf = await self.log_in(http)
            # As the desk's page: the answer to a command is the ticket alone (the page shows
            # the ticket's own page after it).
            headers = {"X-CSRF-Token": csrf, "Prefer": "return=minimal"}
            latest: dict[str, dict[str, Any]] = {}  # call id → the pop with its latest context
            async with http.stream("GET", "/api/events?kinds=pop", timeout=None) as stream:
                event = ""
                async for line in stream.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "hello":
                        self.ready.set()
                    elif line.startswith("data:") and event == "pop":
                        pop = json.loads(line[5:])
                        call = pop.get("uniqueid", "")
                        latest[call] = {**latest.get(call, {}), **pop}
                        if pop.get("stage") == "connected" and not pop.get("update"):
                            asyncio.create_task(self.handle_pop(http, headers, latest, call))

    async def log_in(self, http: httpx.AsyncClient) -> str:
        page = await http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("the desk's log-in page has no CSRF field")
        r = await http.post("/login", data={"username": self.username, "password": self.password,
                                            "csrf_token": token.group(1)})
        if r.status_code >= 400:
            raise RuntimeError(f"demo log-in as {self.username} refused: {r.status_code}")
        me = await http.get("/api/me")
        me.raise_for_status()
        return str(me.json()["csrf_token"])

    async def handle_pop(self, http: httpx.AsyncClient, headers: dict[str, str],
                         latest: dict[str, dict[str, Any]], call: str) -> None:
        await asyncio.sleep(self.delay_s * self.rng.uniform(0.5, 1.5))  # typing the ticket
        pop = latest.pop(call, None)
        if pop is None:
            return  # already handled
        ctx = pop.get("context") or {}
        service = pop.get("ivr_choice") or "operator"
        body = {"service_type": service if service != "complaints" else "complaint",
                "description": self.rng.choice(DESCRIPTIONS.get(service, ["电话报修"])),
                "location_code": (ctx.get("location") or {}).get("code", ""),
                "reporter_name": ctx.get("person") or pop.get("caller_name", "")[:50],
                "reporter_phone": pop.get("caller_num", ""), "call_uniqueid": pop.get("uniqueid", "")}
        try:
            if service == "meals":
                body["details"] = await self.meal_order(http)
            elif service == "cleaning":
                room = (ctx.get("location") or {}).get("room", "")
                kind = "terminal_disinfection" if "终末消毒" in body["description"] else \
                    self.rng.choice(("routine", "routine", "spill", "deep"))
                body["details"] = {"cleaning": {"area": f"{room}病房" if room else "病房", "kind": kind}}
            r = await http.post("/api/tickets", json=body, headers=headers)
            r.raise_for_status()
            ticket = r.json()
            self.created.append(ticket["id"])
            if service in ("complaint", "operator") or (service == "meals" and not body["details"]):
                return  # handled on the phone; a meal order after every cut-off waits for the menu
            if (ticket.get("details") or {}).get("approval", {}).get("state") == "pending" \
                    and not await self.approved(http, ticket["id"]):
                return
            sug = await http.get(f"/api/tickets/{ticket['id']}/suggestions")
            workers = [w["code"] for w in sug.json()][:1] if sug.status_code == 200 else []
            if workers:
                d = await http.post(f"/api/tickets/{ticket['id']}/dispatch",
                                    json={"staff_codes": workers}, headers=headers)
                d.raise_for_status()
        except httpx.HTTPError as exc:
            self.errors += 1
            log.warning("demo operator %s: %s", self.username, exc)

    async def meal_order(self, http: httpx.AsyncClient) -> dict[str, Any]:
        """Dishes from the next meal still open for orders (today, else tomorrow)."""
        for day in ("", "?day=" + _tomorrow()):
            r = await http.get("/api/menus" + day)
            dishes = [m for m in r.json() if m["open"]] if r.status_code == 200 else []
            if dishes:
                same_meal = [m for m in dishes if m["meal"] == dishes[0]["meal"]]
                pick = self.rng.sample(same_meal, k=min(2, len(same_meal)))
                return {"meal": {"items": [{"code": m["code"], "qty": self.rng.randint(1, 3)} for m in pick]}}
        return {}

    async def approved(self, http: httpx.AsyncClient, ticket_id: int, wait_s: float = 120.0) -> bool:
        """Wait for the ward head's decision on a meal order: dispatch it once approved."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while loop.time() < deadline:
            await asyncio.sleep(1.0)
            r = await http.get(f"/api/tickets/{ticket_id}")
            if r.status_code != 200:
                continue
            state = ((r.json().get("details") or {}).get("approval") or {}).get("state")
            if state != "pending":
                return state == "approved"
        return False


def _tomorrow() -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()


@dataclass
class FieldWorkers:
    """Workers answering their work orders through the emulated modem's phones: by SMS, or on
    the work order's page when its SMS carries the link (every ``page_every``-th order; 0:
    never)."""

    inbox: Callable[[], dict[str, list[str]]]  # number → texts delivered to that phone
    reply: Callable[[str, str], object]  # (from number, text) → the modem receives it
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    scale: float = 1.0
    page_every: int = 2
    _seen: dict[str, int] = field(default_factory=dict)
    _orders: int = 0
    replies: list[tuple[str, str]] = field(default_factory=list)
    # workers who never take the work order by SMS or on its page: the acknowledgement call
    # reaches them; they report on site and done by SMS afterwards
    phone_only: set[str] = field(default_factory=set)
    # ticket → the spare parts its worker reports with 完成 ("配件 P00038x3"): issued from the stores
    parts: dict[int, str] = field(default_factory=dict)
    page_steps: list[tuple[int, str, int]] = field(default_factory=list)  # (ticket, step, HTTP status)

    async def run(self, poll_s: float = 0.5) -> None:
        while True:
            for number, texts in self.inbox().items():
                for text in texts[self._seen.get(number, 0):]:
                    ticket = _ticket_number(text)
                    if ticket is not None and _is_order(text):
                        self._orders += 1
                        link = _link(text)
                        on_page = (bool(link) and self.page_every > 0 and (self._orders - 1) % self.page_every == 0
                                   and ticket not in self.parts  # parts are reported by SMS
                                   and number.removeprefix("+86") not in self.phone_only)
                        asyncio.create_task(self._work_on_page(link, ticket) if on_page
                                            else self._work(number, ticket))
                    approval = _APPROVAL.search(text)
                    if approval is not None:
                        asyncio.create_task(self._decide(number, int(approval.group(1))))
                    round_open = _ROUND_OPEN.search(text)
                    if round_open is not None:  # 完成 of a round refused: its checklist, on the page
                        asyncio.create_task(self._finish_round(round_open.group(2), int(round_open.group(1))))
                self._seen[number] = len(texts)
            await asyncio.sleep(poll_s)

    async def _work(self, number: str, ticket: int) -> None:
        local = number.removeprefix("+86")  # the modem delivers to +86…; the store keeps 139…
        steps = (("到达", 120), ("完成", 25)) if local in self.phone_only else (
            ("接单", 5), ("到达", 15), ("完成", 25))
        for word, wait in steps:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * wait * self.scale)
            text = f"{word} {ticket}"
            if word == "完成" and ticket in self.parts:
                text += f" {self.parts[ticket]}"
            self.replies.append((number, text))
            self.reply(number, text)

    async def _work_on_page(self, link: str, ticket: int) -> None:
        """接单, 到达, 完成 on the work order's page, as the phone's browser posts its forms; an
        inspection round's order is completed through its checklist (every item found ok)."""
        async with httpx.AsyncClient(timeout=30, follow_redirects=False) as http:
            try:
                items = _ROUND_ITEM.findall((await http.get(link)).text)  # the worker reads the order
                for step, wait in (("accept", 5), ("arrived", 15), ("round" if items else "done", 25)):
                    await asyncio.sleep(self.rng.uniform(0.5, 1.5) * wait * self.scale)
                    files = [("photo", ("done.jpg", _work_photo(self.rng), "image/jpeg"))] \
                        if step == "done" and self.rng.random() < 0.5 else None
                    data = {"part1": ""} if step != "round" else {
                        "complete": "1", **{f"ok{i}": "ok" for i in items}, **{f"note{i}": "" for i in items}}
                    r = await http.post(f"{link}/{step}", data=data, files=files)
                    self.page_steps.append((ticket, step, r.status_code))
            except httpx.HTTPError as exc:
                log.warning("demo worker on the page of ticket %s: %s", ticket, exc)

    async def _finish_round(self, link: str, ticket: int) -> None:
        """The answer to a round's 完成 by SMS sent with items open names the order's page: the
        worker checks every item there (all found ok) and completes the round."""
        async with httpx.AsyncClient(timeout=30, follow_redirects=False) as http:
            try:
                items = _ROUND_ITEM.findall((await http.get(link)).text)
                await asyncio.sleep(self.rng.uniform(0.5, 1.5) * 10 * self.scale)
                r = await http.post(f"{link}/round", data={
                    "complete": "1", **{f"ok{i}": "ok" for i in items}, **{f"note{i}": "" for i in items}})
                self.page_steps.append((ticket, "round", r.status_code))
            except httpx.HTTPError as exc:
                log.warning("demo worker on the checklist of ticket %s: %s", ticket, exc)

    async def _decide(self, number: str, ticket: int) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 1.5) * 10 * self.scale)
        text = f"同意 {ticket}" if self.rng.random() < 0.9 else f"不同意 {ticket} 超出餐标"
        self.replies.append((number, text))
        self.reply(number, text)


_APPROVAL = re.compile(r"(?:回复:同意|Reply APPROVE)\s*(\d+)")
# a work order ends with how to reply, its number and, where the center hands out links, the
# link to its page
_ORDER = re.compile(r"(?:接单/到达/完成(?:/无法)?|ACCEPT/ARRIVED/DONE(?:/CANNOT)?)\s*(\d+)"
                    r"(?:\s+(https?://\S+))?\s*$")


# the answer to a round's 完成 with items open ends with the link to its checklist
_ROUND_OPEN = re.compile(r"(?:工单|Order )(\d+)(?:是巡检工单| is an inspection round).*?(https?://\S+)$")
_ROUND_ITEM = re.compile(r'<fieldset class="m-check" data-index="(\d+)"')  # the page's checklist


def _link(text: str) -> str:
    m = _ORDER.search(text)
    return m.group(2) if m and m.group(2) else ""


def _work_photo(rng: random.Random) -> bytes:
    """A phone's photo of the finished work (a plain picture: the demo has no camera)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), tuple(rng.randrange(256) for _ in range(3))).save(out, format="JPEG")
    return out.getvalue()


def _ticket_number(text: str) -> int | None:
    """The ticket a work order names: its texts end with how to reply and the number."""
    m = _ORDER.search(text)
    return int(m.group(1)) if m else None


def _is_order(text: str) -> bool:
    return _ORDER.search(text) is not None
