"""Hostile peers: garbage, oversized lines, odd caller IDs, port scans and silent clients
must end only their own session, with a log line, while other calls go on."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from tests.ivr.asterisk import ScriptedChannel, env_block, run_call
from tests.ivr.rig import Rig


async def _raw(port: int, data: bytes, read: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        async with asyncio.timeout(3):
            return await reader.read() if read else b""
    finally:
        writer.close()


@pytest.mark.parametrize("data,log_text", [
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "closed before a valid environment"),
    (b"agi_request: agi://x/ivr\n" + b"agi_junk: " + b"A" * 10000 + b"\n\n", "longer than"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, "closed"),
    (env_block("nosuchroute"), "unknown route"),
])
def test_garbage_ends_the_session_with_a_log_line(data: bytes, log_text: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> tuple[bytes, int]:
        async with Rig(env_timeout_s=0.5) as rig:
            got = await _raw(rig.port, data)
            ch = await rig.call(ScriptedChannel(keys=["1"]))  # the server still serves
            assert ch.set_vars["SERVICE_TYPE"] == "repair"
            return got, rig.server.stats.errors

    got, errors = asyncio.run(scenario())
    assert got == b"" and errors == 0
    assert log_text in caplog.text


def test_garbled_reply_mid_session(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    class Garbler(ScriptedChannel):
        def answer(self, line: str) -> bytes | None:
            return b"\x00\x01 hello\n" if "WAIT FOR" in line else super().answer(line)

    async def scenario() -> Rig:
        async with Rig() as rig:
            await rig.call(Garbler(keys=["1"]))
            await rig.settle()
            return rig

    rig = asyncio.run(scenario())
    assert rig.server.stats.refused == 1 and rig.server.stats.errors == 0
    assert "garbled reply" in caplog.text


def test_oversized_reply_mid_session(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    class Flooder(ScriptedChannel):
        def answer(self, line: str) -> bytes | None:
            return b"200 result=1 (" + b"x" * 100_000 + b")\n" if "VERBOSE" in line else super().answer(line)

    async def scenario() -> Rig:
        async with Rig() as rig:
            await rig.call(Flooder())
            await rig.settle()
            return rig

    rig = asyncio.run(scenario())
    assert rig.server.stats.refused == 1 and "longer than" in caplog.text


@pytest.mark.parametrize("name", [
    'Evil" HANGUP\\', "x" * 3000, "Nurse\tZhang\x07\x1b[31m", "张护士（3B病区）", "$(rm -rf /)`id`",
])
def test_hostile_caller_id_name_is_neutralised(name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> ScriptedChannel:
        async with Rig() as rig:
            ch = await rig.call(ScriptedChannel(keys=["2"]), name=name, callerid='6123" EXEC')
            await rig.settle()
            assert rig.server.stats.errors == 0
            return ch

    ch = asyncio.run(scenario())
    assert ch.set_vars["SERVICE_TYPE"] == "meals"
    assert all(len(c) <= 6 for c in ch.commands)  # nothing smuggled an extra argument in
    assert "caller number" in caplog.text


@pytest.mark.parametrize("name", [
    "张护士".encode("gbk"),  # a Chinese trunk's caller name
    "张护士（三病区）".encode("gb18030"),
    b"\xff\xfe\x00\x1b[31mred\x07" + b"\x80" * 2000,  # in neither encoding, NUL, ANSI, 2 KB
])
def test_a_caller_name_in_gbk_or_in_no_encoding_still_gets_the_menu(
        name: bytes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    env = env_block(name="@NAME@").replace(b"@NAME@", name)

    async def scenario() -> tuple[ScriptedChannel, Rig]:
        async with Rig() as rig:
            ch = await run_call(rig.port, ScriptedChannel(keys=["4"]), env)
            await rig.settle()
            return ch, rig

    ch, rig = asyncio.run(scenario())
    assert rig.server.stats.completed == 1 and rig.server.stats.refused == 0
    assert rig.server.stats.errors == 0
    assert ch.set_vars["SERVICE_TYPE"] == "oxygen" and ch.set_vars["QUEUE"]
    assert ("neither UTF-8 nor GB18030" in caplog.text) == (name[:1] == b"\xff")


@pytest.mark.parametrize("name", ["unknown", ""])
def test_a_call_without_a_name_is_not_logged_as_suspicious(name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> ScriptedChannel:
        async with Rig() as rig:
            ch = await rig.call(ScriptedChannel(keys=["1"]), name=name)
            await rig.settle()
            return ch

    assert asyncio.run(scenario()).set_vars["SERVICE_TYPE"] == "repair"
    assert "suspicious" not in caplog.text


def test_port_scans_and_silent_clients_do_not_stall_others(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> tuple[float, Rig]:
        async with Rig(env_timeout_s=1.0) as rig:
            # 50 connect-and-close probes, 20 silent half-open clients, 10 that never send
            # the blank line: all at once, then real calls must go through at once.
            probes = [asyncio.open_connection("127.0.0.1", rig.port) for _ in range(80)]
            conns = await asyncio.gather(*probes)
            for i, (_, w) in enumerate(conns):
                if i < 50:
                    w.close()
                elif i >= 70:
                    w.write(b"agi_network: yes\nagi_request: agi://x/ivr\n")
            t0 = time.perf_counter()
            calls = [rig.call(ScriptedChannel(keys=[k])) for k in "123459"]
            done = await asyncio.gather(*calls)
            elapsed = time.perf_counter() - t0
            assert [c.set_vars["SERVICE_TYPE"] for c in done] == \
                ["repair", "meals", "cleaning", "oxygen", "transport", "complaint"]
            await rig.settle(timeout=3.0)  # the silent ones time out (1 s) and are closed
            for _, w in conns:
                w.close()
            return elapsed, rig

    elapsed, rig = asyncio.run(scenario())
    assert elapsed < 0.9  # well before the silent clients' 1 s deadline
    assert "port scan" in caplog.text and "no complete agi_* environment" in caplog.text
    assert rig.server.stats.completed == 6


def test_server_stop_ends_calls_in_progress() -> None:
    async def scenario() -> None:
        rig = Rig()
        await rig.__aenter__()
        reader, writer = await asyncio.open_connection("127.0.0.1", rig.port)
        writer.write(env_block())
        await reader.readline()  # VERBOSE: the session is running, waiting for our reply
        await asyncio.wait_for(rig.__aexit__(None, None, None), 2)
        assert await asyncio.wait_for(reader.read(), 2) == b""
        writer.close()

    asyncio.run(scenario())


def test_no_reply_from_asterisk_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import ivr.session

    monkeypatch.setattr(ivr.session, "REPLY_MARGIN_S", 0.2)

    async def scenario() -> Rig:
        async with Rig() as rig:
            reader, writer = await asyncio.open_connection("127.0.0.1", rig.port)
            writer.write(env_block())
            await reader.readline()
            assert await asyncio.wait_for(reader.read(), 2) == b""  # closed by the server
            writer.close()
            return rig

    rig = asyncio.run(scenario())
    assert rig.server.stats.hung_up == 1


def test_many_concurrent_calls() -> None:
    async def scenario() -> list[ScriptedChannel]:
        async with Rig() as rig:
            return await asyncio.gather(*(run_call(rig.port, ScriptedChannel(keys=[str(1 + i % 5)]),
                                                   env_block()) for i in range(200)))

    done = asyncio.run(scenario())
    assert len([c for c in done if c.set_vars.get("QUEUE")]) == 200
