"""The pages' words in zh-CN (the default) and English; each user picks one (app_user.language).

The catalog is merged from one module per area (``core``, ``auth``, ``desk``, ``tickets``,
``orders``, ``board``, ``stats``, ``admin``…), each with ``MESSAGES: {key: (zh-CN, en)}``. A new
feature adds a module of its own; every module of this package is read, in name order. A key
belongs to one area only: tests/web/test_i18n.py fails when two modules define the same key
(the merge would otherwise keep one text and drop the other without a word).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping

LANGUAGES = ("zh-CN", "en")

Catalog = dict[str, tuple[str, str]]  # key: (zh-CN, en)


def area_catalogs() -> dict[str, Catalog]:
    """Each area module's ``MESSAGES``, by module name."""
    areas = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        areas[info.name] = module.MESSAGES
    return areas


def duplicate_keys(areas: Mapping[str, Catalog]) -> dict[str, list[str]]:
    """Keys defined by more than one area, each with the areas that define it."""
    owners: dict[str, list[str]] = {}
    for area, messages in areas.items():
        for key in messages:
            owners.setdefault(key, []).append(area)
    return {key: names for key, names in owners.items() if len(names) > 1}


def merge(areas: Mapping[str, Catalog]) -> Catalog:
    """One catalog of every area's entries."""
    merged: Catalog = {}
    for messages in areas.values():
        merged.update(messages)
    return merged


MESSAGES: Catalog = merge(area_catalogs())


def translate(key: str, language: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[1] if language == "en" else pair[0]


def translator(language: str) -> Callable[[str], str]:
    lang = language if language in LANGUAGES else "zh-CN"
    return lambda key: translate(key, lang)


def catalog(language: str) -> dict[str, str]:
    """The whole catalog in one language (handed to the pages' JavaScript)."""
    return {k: translate(k, language) for k in MESSAGES}
