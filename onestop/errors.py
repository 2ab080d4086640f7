"""Errors a command reports as one line (``onestop: …``, exit 2) instead of a traceback.

What the person at the terminal can fix — a port another program holds, a store that is not
there or not migrated, a file that cannot be read — is named with the option or command that
fixes it.
"""

from __future__ import annotations

import errno
from pathlib import Path

from config.settings import Settings
from ticketing.store import SchemaNotCurrent, Store


class CliError(Exception):
    """A failure to print as one line naming what to do."""


def port_error(exc: OSError, what: str, host: str, port: int, option: str) -> CliError:
    """``what`` could not listen on ``host:port``; ``option`` is how to choose another."""
    if exc.errno == errno.EADDRINUSE:
        why = "the port is in use (another onestop, or another program?)"
    elif exc.errno == errno.EACCES:
        why = "no permission to listen there (ports below 1024 need root)"
    else:
        why = exc.strerror or str(exc)
    return CliError(f"{what} cannot listen on {host}:{port}: {why}; choose another with {option}")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for another engine or an in-memory database)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def open_store(settings: Settings) -> Store:
    """The configured store, migrated to this code's head, for a command that reads or
    changes data. Refuses — without creating an empty file — a store that is not there."""
    url = settings.resolved_database_url()
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise CliError(f"no store at {path}: create it with `onestop db upgrade` (and "
                       f"`onestop seed` for the sample hospital){_demo_hint(settings)}")
    store = Store(url)
    try:
        store.require_schema()
    except SchemaNotCurrent as exc:
        store.dispose()
        raise CliError(f"{exc}{_demo_hint(settings)}") from None
    return store


def demo_store_url(settings: Settings) -> str:
    """Where ``onestop demo`` keeps its store by default."""
    return f"sqlite:///{settings.resolved_data_dir() / 'demo' / 'onestop.sqlite'}"


def _demo_hint(settings: Settings) -> str:
    url = demo_store_url(settings)
    path = sqlite_path(url)
    if path is None or not path.exists() or url == settings.resolved_database_url():
        return ""
    return f"; to use the demo's store: export ONESTOP_DATABASE_URL={url}"
