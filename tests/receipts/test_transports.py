"""Transports over loopback, a pty and files; status read back with DLE EOT."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from receipts.capture import CapturePrinter
from receipts.status import STATUS_QUERY, parse_status, status_replies
from receipts.transports import (
    DeviceFileTransport,
    DummyTransport,
    PrinterNotReady,
    PrinterUnavailable,
    SerialTransport,
    SpoolDirTransport,
    TcpTransport,
    open_transport,
)
from tests.receipts.escpos_decoder import decode

JOB = b"\x1b@\x1c&" + "工单".encode("gb18030") + b"\n\x1c.\x1dVB\x00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_status_bytes_parse() -> None:
    def status(**kw: bool) -> str:
        r = status_replies(**kw)
        return parse_status(bytes([r[1], r[2], r[4]])).state

    assert status() == "ready"
    assert status(paper_end=True) == "paper_end"
    assert status(cover_open=True) == "cover_open"
    assert status(online=False) == "offline"
    r = status_replies(paper_near_end=True)
    near = parse_status(bytes([r[1], r[2], r[4]]))
    assert near.state == "ready" and near.paper_near_end
    assert parse_status(b"").state == "unknown" and parse_status(b"\x00\x00\x00").state == "unknown"


def test_tcp_delivers_to_capture_printer_with_status(capture: CapturePrinter) -> None:
    status = TcpTransport("127.0.0.1", capture.port).send(JOB)
    assert status.state == "ready" and status.online
    [job] = capture.wait_for_jobs(1)
    assert job.raw.startswith(STATUS_QUERY) and job.data == JOB
    assert decode(job.data).lines[0].text == "工单"


def test_tcp_to_a_printer_without_status(raw_listener) -> None:  # type: ignore[no-untyped-def]
    status = TcpTransport("127.0.0.1", raw_listener.port, status_timeout=0.05).send(JOB)
    assert status.state == "unknown"
    assert raw_listener.done.wait(2)
    assert raw_listener.jobs[0] == STATUS_QUERY + JOB


def test_tcp_refused_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="cannot connect") as err:
        TcpTransport("127.0.0.1", _free_port(), connect_timeout=1).send(JOB)
    assert time.monotonic() - started < 1
    assert err.value.status.state == "offline"
    assert TcpTransport("127.0.0.1", _free_port()).status().state == "offline"


def test_tcp_connect_timeout_is_bounded() -> None:
    # A listener whose backlog is full never completes the handshake: connect times out.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        fillers = []
        try:
            for _ in range(8):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                fillers.append(s)
            started = time.monotonic()
            with pytest.raises(PrinterUnavailable):
                TcpTransport("127.0.0.1", port, connect_timeout=0.3, status_timeout=0.2).send(JOB)
            assert time.monotonic() - started < 3
        finally:
            for s in fillers:
                s.close()


def test_tcp_paper_end_sends_nothing(capture: CapturePrinter) -> None:
    capture.set_condition(paper_end=True)
    with pytest.raises(PrinterNotReady) as err:
        TcpTransport("127.0.0.1", capture.port).send(JOB)
    assert err.value.status.paper_end
    time.sleep(0.1)
    assert capture.jobs == []
    capture.set_condition(cover_open=True)
    assert TcpTransport("127.0.0.1", capture.port).status().cover_open


def test_serial_over_a_pty() -> None:
    master, slave = os.openpty()
    try:
        os.set_blocking(master, False)
        transport = SerialTransport(os.ttyname(slave), 115200, status_timeout=0.05)
        status = transport.send(JOB)
        assert status.state == "unknown"  # nobody answered on the other end
        time.sleep(0.05)
        got = b""
        while True:
            try:
                got += os.read(master, 4096)
            except BlockingIOError:
                break
        assert got == STATUS_QUERY + JOB
    finally:
        os.close(master)
        os.close(slave)


def test_serial_missing_port() -> None:
    with pytest.raises(PrinterUnavailable):
        SerialTransport("/dev/does-not-exist-ttyX").send(JOB)


def test_device_file(tmp_path: Path) -> None:
    lp = tmp_path / "lp0"
    with pytest.raises(PrinterUnavailable):  # unplugged: the device node is gone
        DeviceFileTransport(str(lp)).send(JOB)
    lp.write_bytes(b"")
    DeviceFileTransport(str(lp)).send(JOB)
    DeviceFileTransport(str(lp)).send(JOB)
    assert lp.read_bytes() == JOB + JOB


def test_device_that_takes_nothing_times_out(tmp_path: Path) -> None:
    fifo = tmp_path / "lp-stuck"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # open, but never read
    try:
        with pytest.raises(PrinterUnavailable, match="not taken in time"):
            DeviceFileTransport(str(fifo), write_timeout=0.2).send(JOB * 20000)
    finally:
        os.close(reader)


def test_spool_dir(tmp_path: Path) -> None:
    spool = SpoolDirTransport(tmp_path / "spool", "desk")
    spool.send(JOB)
    spool.send(JOB + b"2")
    files = sorted((tmp_path / "spool").glob("desk-*.bin"))
    assert [f.read_bytes() for f in files] == [JOB, JOB + b"2"]
    assert not list((tmp_path / "spool").glob("*.tmp"))


def test_dummy() -> None:
    d = DummyTransport()
    d.send(JOB)
    d.reachable = False
    with pytest.raises(PrinterUnavailable):
        d.send(JOB)
    assert d.jobs == [JOB] and d.status().state == "offline"


def test_open_transport_from_settings(tmp_path: Path) -> None:
    def pdef(transport: str, target: str) -> SimpleNamespace:
        return SimpleNamespace(name="p", transport=transport, target=target, timeout_s=2.0)

    tcp = open_transport(pdef("tcp", "10.0.0.5"))
    assert isinstance(tcp, TcpTransport) and (tcp.host, tcp.port) == ("10.0.0.5", 9100)
    tcp = open_transport(pdef("tcp", "printer.local:9101"))
    assert isinstance(tcp, TcpTransport) and (tcp.host, tcp.port) == ("printer.local", 9101)
    ser = open_transport(pdef("serial", "/dev/ttyS0,19200"))
    assert isinstance(ser, SerialTransport) and ser.baudrate == 19200
    assert isinstance(open_transport(pdef("usb", "/dev/usb/lp0")), DeviceFileTransport)
    assert isinstance(open_transport(pdef("file", str(tmp_path))), SpoolDirTransport)
    assert isinstance(open_transport(pdef("dummy", "")), DummyTransport)


def test_settings_printer_def_builds() -> None:
    from config.settings import PrinterDef

    assert isinstance(open_transport(PrinterDef()), TcpTransport)
