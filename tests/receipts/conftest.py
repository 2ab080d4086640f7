"""Fixtures for the receipts tests: renderer, profiles, a capture printer and a raw listener."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest

from receipts.capture import CapturePrinter
from receipts.layout import SlipRenderer
from receipts.profile import PrinterProfile

BASE_URL = "http://desk.example:8080"


@pytest.fixture
def renderer() -> SlipRenderer:
    return SlipRenderer(base_url=BASE_URL, timezone="Asia/Shanghai")


@pytest.fixture
def profile80() -> PrinterProfile:
    return PrinterProfile(name="desk", encoding="gb18030", paper_mm=80, columns=48)


@pytest.fixture
def profile58() -> PrinterProfile:
    return PrinterProfile(name="team", encoding="gbk", paper_mm=58, columns=32)


@pytest.fixture
def capture() -> Iterator[CapturePrinter]:
    printer = CapturePrinter().start()
    yield printer
    printer.stop()


class RawListener:
    """Accepts connections on a loopback port and keeps the bytes of each; answers nothing
    (a printer without status support)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            data = bytearray()
            with conn:
                conn.settimeout(2)
                while chunk := conn.recv(65536):
                    data += chunk
            self.jobs.append(bytes(data))
            self.done.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def raw_listener() -> Iterator[RawListener]:
    listener = RawListener()
    yield listener
    listener.close()


def squash(text: str) -> str:
    """Text without any white space: a value wrapped over lines still matches."""
    return re.sub(r"\s+", "", text)
