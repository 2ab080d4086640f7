"""The emulator's transport: a pseudo-terminal behind a stable symlink, and its reader thread.

The pty does not outlive an unplug, as a USB device node does not: ``unplug()`` closes it and
removes the symlink, ``replug()`` makes a new pty and points the symlink at it (atomically),
with a fresh session. One thread reads the master end and frames the bytes: command lines
end at CR; after a ``> `` prompt the body ends at Ctrl-Z (send) or ESC (cancel).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
import tty
from pathlib import Path
from typing import TYPE_CHECKING

from modem.emulator.commands import Session
from modem.emulator.settings import Settings

log = logging.getLogger(__name__)

CTRL_Z, ESC = 0x1A, 0x1B


class PtyTransport:
    """The pty, plugging and unplugging, reading and writing (a part of ``ModemEmulator``)."""

    # the emulator's state this part uses
    name: str
    settings: Settings
    link: Path
    plugged: bool
    unplugs: int
    _session: Session
    _lock: threading.RLock
    _master: int
    _slave: int
    _buf: bytearray
    _prompt: tuple[str, str] | None  # (command, argument) awaiting Ctrl-Z
    _stop: threading.Event

    if TYPE_CHECKING:
        def _line(self, line: str) -> None: ...
        def _finish_prompt(self, body: bytes, term: int) -> None: ...

    def _open_pty(self) -> None:
        with self._lock:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)  # no line discipline between us and pyserial
            tty.setraw(self._master)
            tmp = self.link.with_name(self.link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(os.ttyname(self._slave))
            tmp.replace(self.link)  # atomic: the path never points at a dead pty
            self._buf.clear()
            self._prompt = None
            self._session = Session(pin_ok=not self.settings.pin)
            self.plugged = True

    def _close_pty(self) -> None:
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = -1
            if self.link.is_symlink():
                self.link.unlink(missing_ok=True)
            self.plugged = False

    def unplug(self) -> None:
        """The USB cable is pulled: the device node disappears."""
        log.info("emulator %s: unplugged", self.name)
        self.unplugs += 1
        self._close_pty()

    def replug(self) -> None:
        """Plugged back in: a new pty behind the same path."""
        if not self.plugged:
            self._open_pty()
            log.info("emulator %s: plugged in at %s", self.name, self.link)

    def inject_raw(self, data: bytes) -> None:
        """Write raw bytes (line noise, a firmware's Latin-1 banner) to the host."""
        with self._lock:
            self._write(data)

    # --- the thread ------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            fd = self._master
            if fd < 0:
                time.sleep(0.01)
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.05)
                data = os.read(fd, 4096) if ready else b""
            except (OSError, ValueError):
                time.sleep(0.01)  # unplugged under us, or the host closed its end
                continue
            if data:
                self._feed(data)

    def _feed(self, data: bytes) -> None:
        self._buf.extend(data)
        while True:
            if self._prompt is not None:
                end = _find_any(self._buf, (CTRL_Z, ESC))
                if end < 0:
                    return
                body, term = bytes(self._buf[:end]), self._buf[end]
                del self._buf[:end + 1]
                self._finish_prompt(body, term)
                continue
            end = _find_any(self._buf, (0x0D,))
            if end < 0:
                return
            line = bytes(self._buf[:end]).strip(b"\n\r ")
            del self._buf[:end + 1]
            if line:
                self._line(line.decode("latin-1"))

    def _write(self, data: bytes) -> None:
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.write(self._master, data)


def _find_any(buf: bytearray, bytes_: tuple[int, ...]) -> int:
    hits = [i for i in (buf.find(b) for b in bytes_) if i >= 0]
    return min(hits) if hits else -1
