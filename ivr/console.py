"""``onestop ivr simulate``: the real IVR handlers, with the keyboard as the caller.

It runs the FastAGI server on a loopback port and plays Asterisk's side itself: each prompt
is printed, each key wait reads a line from the keyboard (empty line = silence, ``q`` = hang
up), and the channel variables the IVR sets are shown at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ivr.fakes import FakeDirectory, FakeSelfService, FixedHours
from ivr.hotline import HotlineIvr
from ivr.menu import MenuSource
from ivr.protocol import split_command
from ivr.server import FastAgiServer

ENV = ("agi_network: yes\nagi_network_script: ivr\nagi_request: agi://127.0.0.1/ivr\n"
       "agi_channel: Console/dsp\nagi_language: {lang}\nagi_uniqueid: simulate.1\n"
       "agi_callerid: {num}\nagi_calleridname: Simulator\n\n")


class AnyRoom(FakeSelfService):
    """Every keyed room code exists in the simulation."""

    def find_location(self, code: str):  # type: ignore[no-untyped-def]
        self.locations.setdefault(code, f"room {code}")
        return super().find_location(code)


async def simulate(menus: MenuSource, ask: Callable[[str], str], say: Callable[[str], None],
                   after_hours: bool = False, language: str = "zh-CN", caller: str = "6123") -> dict[str, str]:
    handler = HotlineIvr(menus, FixedHours(open=not after_hours), FakeDirectory(), AnyRoom())
    server = FastAgiServer({"ivr": handler}, "127.0.0.1", 0)
    port = await server.start()
    variables: dict[str, str] = {}
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(ENV.format(lang=language, num=caller).encode())
    try:
        while line := await reader.readline():
            reply = await asyncio.to_thread(_answer, split_command(line.decode().rstrip("\n")),
                                            ask, say, variables)
            if reply is None:
                break
            writer.write(reply.encode())
    finally:
        writer.close()
        await server.stop()
    return variables


def _answer(args: list[str], ask: Callable[[str], str], say: Callable[[str], None],
            variables: dict[str, str]) -> str | None:
    verb = " ".join(a.upper() for a in args[:2])
    if verb == "SET VARIABLE":
        variables[args[2]] = args[3]
        return "200 result=1\n"
    if verb == "STREAM FILE":
        say(f"  ♪ {args[2]}")
        return "200 result=0 endpos=8000\n"
    if verb.startswith("SAY "):
        say(f"  ♪ says {args[2]}")
        return "200 result=0\n"
    if verb in ("WAIT FOR", "GET DATA"):
        keys = ask("key(s) ('' = silence, q = hang up)> ").strip()
        if keys == "q":
            return None
        if verb == "GET DATA":
            return f"200 result={keys}\n" if keys else "200 result= (timeout)\n"
        return f"200 result={ord(keys[0]) if keys else 0}\n"
    if verb == "GET VARIABLE":
        return "200 result=0\n"
    return "200 result=1\n"
