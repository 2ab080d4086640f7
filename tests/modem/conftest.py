"""Emulated modems and gateways on pseudo-terminals, cleaned up after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from modem.emulator import ModemEmulator, Settings
from modem.gateway import Guards, ModemGateway
from modem.sender import SmsSender


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., ModemEmulator]]:
    made: list[ModemEmulator] = []

    def make(**settings: Any) -> ModemEmulator:
        emu = ModemEmulator(settings=Settings(**settings), name=f"emu{len(made) + 1}").start()
        made.append(emu)
        return emu

    yield make
    for emu in made:
        emu.stop()


@pytest.fixture
def make_gateway() -> Iterator[Callable[..., ModemGateway]]:
    made: list[ModemGateway] = []

    def make(emu: ModemEmulator, guards: Guards | None = None, **kw: Any) -> ModemGateway:
        kw.setdefault("sweep_interval_s", 0.3)
        kw.setdefault("command_timeout_s", 2.0)
        gw = ModemGateway(f"m{len(made) + 1}", emu.path, guards=guards, **kw).start()
        made.append(gw)
        assert gw.wait_connected(5), gw.health.last_error
        return gw

    yield make
    for gw in made:
        gw.stop()


@pytest.fixture
def senders() -> Iterator[list[SmsSender]]:
    """Senders a test started, stopped after it."""
    made: list[SmsSender] = []
    yield made
    for s in made:
        s.stop()


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """True once ``predicate()`` holds; False if it still does not after ``timeout`` seconds.
    The deadline is generous (a loaded CI machine delays the modem threads by seconds); a
    condition that holds returns at once, so a passing test costs no more for it. A wait
    expected to fail names its own short timeout."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
