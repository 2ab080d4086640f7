"""The AMI client's actions, correlation, heartbeat, login refusal and backoff, on loopback."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from cti.client import AmiClient
from cti.client_actions import ActionTimeout
from cti.listener import AmiOriginator
from cti.protocol import AmiParser

Handler = Callable[[Any, asyncio.StreamWriter], Awaitable[None]]


async def fake_asterisk(handler: Handler) -> tuple[asyncio.AbstractServer, int]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/13.0.0\r\n")
        parser = AmiParser(expect_banner=False)
        try:
            while data := await reader.read(65536):
                for action in parser.feed(data):
                    await handler(action, writer)
        except ConnectionError:
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def reply(writer: asyncio.StreamWriter, *lines: str) -> None:
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())


async def standard(action: Any, writer: asyncio.StreamWriter) -> None:
    aid, name = action["ActionID"], action["Action"]
    if name == "Login":
        ok = action["Secret"] == "s3cret"
        reply(writer, f"Response: {'Success' if ok else 'Error'}", f"ActionID: {aid}",
              f"Message: {'Authentication accepted' if ok else 'Authentication failed'}")
        if ok:
            reply(writer, "Event: FullyBooted", "Uptime: 50")
    elif name == "CoreShowChannels":
        reply(writer, "Response: Success", f"ActionID: {aid}", "EventList: start")
        reply(writer, "Event: Newexten", "Uniqueid: unrelated")  # interleaved live event
        for i in range(3):
            reply(writer, "Event: CoreShowChannel", f"ActionID: {aid}", f"Uniqueid: 1.{i}")
        reply(writer, "Event: CoreShowChannelsComplete", f"ActionID: {aid}", "EventList: Complete")
    elif name == "Originate":
        reply(writer, "Response: Success", f"ActionID: {aid}", "Message: Originate successfully queued")
        await asyncio.sleep(0.05)
        reply(writer, "Event: OriginateResponse", f"ActionID: {aid}", "Response: Success",
              "Reason: 4", "Uniqueid: 77.1")
    elif name == "Ping":
        pass  # never answers: the heartbeat must notice
    else:
        reply(writer, "Response: Success", f"ActionID: {aid}")


def test_actions_eventlists_originate_and_events_flow() -> None:
    async def go() -> None:
        server, port = await fake_asterisk(standard)
        client = AmiClient("127.0.0.1", port, "onestop", "s3cret", action_timeout_s=0.5)
        seen: list[str] = []
        client.subscribe(lambda msgs, t: seen.extend(m.event for m in msgs))
        await client.start()
        await client.wait_ready(5)
        channels = await client.core_show_channels()
        assert [c["Uniqueid"] for c in channels] == ["1.0", "1.1", "1.2"]
        result = await client.queue_pause("Local/101@agents/n", True, "hotline", "lunch")
        assert result.ok
        request = type("R", (), {"action_id": "survey-1042", "channel": "IAX2/pstn/6123",
                                 "context": "survey-out", "exten": "s", "priority": 1,
                                 "variables": {"TICKET_ID": "1042"}, "timeout_s": 5.0,
                                 "caller_id": "OneStop <8000>"})()
        assert await AmiOriginator(client).originate(request) == "answered"
        with pytest.raises(ActionTimeout):
            await client.action("Ping", timeout=0.1)
        await client.drain()
        assert "FullyBooted" in seen and "Newexten" in seen and "CoreShowChannel" not in seen
        assert "OriginateResponse" in seen  # listeners see it too
        await client.stop()
        server.close()
    asyncio.run(go())


def test_refused_login_backs_off_and_never_becomes_ready() -> None:
    async def go() -> None:
        server, port = await fake_asterisk(standard)
        client = AmiClient("127.0.0.1", port, "onestop", "wrong", reconnect_min_s=0.01,
                           reconnect_max_s=0.05)
        await client.start()
        await asyncio.sleep(0.3)
        assert not client.ready and client.stats["login_failures"] >= 2
        assert "login refused" in client.last_error
        await client.stop()
        server.close()
    asyncio.run(go())


def test_silent_server_is_detected_by_the_heartbeat_and_reconnected() -> None:
    async def go() -> None:
        server, port = await fake_asterisk(standard)
        client = AmiClient("127.0.0.1", port, "onestop", "s3cret", heartbeat_s=0.05,
                           action_timeout_s=0.1, reconnect_min_s=0.01, reconnect_max_s=0.02)
        await client.start()
        for _ in range(100):
            await asyncio.sleep(0.02)
            if client.stats["logins"] >= 2:
                break
        assert client.stats["logins"] >= 2
        await client.stop()
        server.close()
    asyncio.run(go())


def test_backoff_grows_exponentially_with_jitter_and_caps() -> None:
    client = AmiClient("h", 1, "u", "s", reconnect_min_s=0.5, reconnect_max_s=30,
                       rng=random.Random(1))
    delays = [client._backoff(n) for n in range(12)]
    assert 0.25 <= delays[0] <= 0.5 and 8 <= delays[5] <= 16
    assert all(15 <= d <= 30 for d in delays[7:])
    assert len({round(client._backoff(3), 6) for _ in range(5)}) > 1  # jittered
