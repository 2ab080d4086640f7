"""The menu for new calls, re-read when its file changes; a broken file is refused."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ivr.menu.loading import DEFAULT_SERVICE_TYPES, SHIPPED_MENU, MenuError, load_menu
from ivr.menu.model import Menu

log = logging.getLogger(__name__)


class MenuSource:
    """The current menu, re-read when its file changes.

    Each call takes :meth:`current` once at its start and keeps that object, so a change never
    disturbs calls in progress. An invalid new file is logged and the last good menu stays.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 service_types: Iterable[str] = DEFAULT_SERVICE_TYPES, check_every_s: float = 1.0) -> None:
        self.path = Path(path) if path else SHIPPED_MENU
        self.service_types = tuple(service_types)
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._menu = load_menu(self.path, self.service_types)
        self._stamp = self._file_stamp()
        self._checked = 0.0
        self.last_error = ""

    def current(self, now: float | None = None) -> Menu:
        """The menu for a new call (re-checks the file at most every ``check_every_s``)."""
        t = time.monotonic() if now is None else now
        if t - self._checked >= self.check_every_s:
            self._checked = t
            if self._file_stamp() != self._stamp:
                self.reload()
        return self._menu

    def reload(self) -> bool:
        """Re-read the file now; returns whether the new menu was taken."""
        with self._lock:
            stamp = self._file_stamp()
            try:
                menu = load_menu(self.path, self.service_types)
            except MenuError as exc:
                self._stamp = stamp  # do not re-read the same broken file on every call
                self.last_error = str(exc)
                log.error("IVR menu not reloaded, keeping the previous one: %s", exc)
                return False
            self._menu, self._stamp, self.last_error = menu, stamp, ""
            log.info("IVR menu reloaded from %s", self.path)
            return True

    def _file_stamp(self) -> tuple[int, int]:
        try:
            st = self.path.stat()
        except OSError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)
