"""The prompt catalog (``config/prompts.toml``): every sound the IVR plays, with its words.

A prompt has an id (``main-menu``) and a text per language; its Asterisk sound name is
``onestop/<dir>/<id>`` (``onestop/zh/main-menu``), the file Asterisk looks for under its sounds
folder with any of the extensions it plays. This module reads the catalog, lists what a menu
plays (``menu_sounds``), finds sounds without words (``unknown_sounds``) and words without a
file in a sounds folder (``missing_files``), and writes the studio's script (``studio_script``).
Synthesising placeholders is ``ivr.synth``.
"""

from __future__ import annotations

import csv
import io
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ivr.menu import Menu, Prompt

SHIPPED_PROMPTS = Path(__file__).resolve().parents[1] / "config" / "prompts.toml"
PREFIX = "onestop"
# What Asterisk's file formats call themselves; a prompt is present when one of them is.
SOUND_EXTENSIONS = (".wav", ".gsm", ".ulaw", ".alaw", ".sln", ".g722", ".wav16", ".sln16")


class PromptError(ValueError):
    """The catalog cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Language:
    code: str  # zh-CN
    dir: str  # zh: onestop/zh/<id>
    voice: str  # espeak-ng voice for placeholders


@dataclass(frozen=True)
class PromptCatalog:
    source: str
    languages: Mapping[str, Language]
    texts: Mapping[str, Mapping[str, str]]  # id → language → words

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> PromptCatalog:
        file = Path(path) if path else SHIPPED_PROMPTS
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PromptError(f"{file}: prompt catalog not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PromptError(f"{file}: not valid TOML: {exc}") from None
        return cls.parse(data, str(file))

    @classmethod
    def parse(cls, data: Mapping[str, object], source: str = "<prompts>") -> PromptCatalog:
        problems: list[str] = []
        langs: dict[str, Language] = {}
        for code, spec in _table(data.get("languages")).items():
            spec = _table(spec)
            if not spec.get("dir") or not spec.get("voice"):
                problems.append(f"languages.{code}: give dir and voice")
            langs[str(code)] = Language(str(code), str(spec.get("dir", "")), str(spec.get("voice", "")))
        if not langs:
            problems.append("[languages] missing: name each language's sound folder and voice")
        texts: dict[str, dict[str, str]] = {}
        for pid, spec in _table(data.get("prompts")).items():
            spec = _table(spec)
            for code in langs:
                if not str(spec.get(code, "")).strip():
                    problems.append(f"prompts.{pid}: no text for {code}")
            for code in spec:
                if code not in langs:
                    problems.append(f"prompts.{pid}: language {code!r} is not in [languages]")
            texts[str(pid)] = {str(k): str(v).strip() for k, v in spec.items()}
        if problems:
            raise PromptError(f"{source}: invalid prompt catalog:\n" + "\n".join(f"  - {p}" for p in problems))
        return cls(source, langs, texts)

    def sound(self, prompt_id: str, language: str) -> str:
        """The sound name Asterisk plays: ``onestop/zh/main-menu``."""
        return f"{PREFIX}/{self.languages[language].dir}/{prompt_id}"

    def entry(self, sound: str) -> tuple[str, str] | None:
        """(prompt id, language) of a sound name, ``None`` if it is not one of the catalog's."""
        parts = sound.split("/")
        if len(parts) != 3 or parts[0] != PREFIX or parts[2] not in self.texts:
            return None
        lang = next((c for c, lg in self.languages.items() if lg.dir == parts[1]), None)
        return (parts[2], lang) if lang is not None and lang in self.texts[parts[2]] else None

    def items(self) -> list[tuple[str, str, str, str]]:
        """(id, language, sound name, text) of every prompt, in file order by language."""
        return [(pid, code, self.sound(pid, code), texts[code])
                for pid, texts in self.texts.items() for code in self.languages if code in texts]


def menu_sounds(menu: Menu) -> dict[str, str]:
    """Every sound name the menu plays (hotline, self-service, survey, acknowledgement call,
    service names), each with where the menu names it."""
    out: dict[str, str] = {}

    def add(prompt: Prompt | None, where: str) -> None:
        for lang, sound in (prompt or {}).items():
            out.setdefault(sound, f"{where} ({lang})")

    add(menu.invalid_prompt, "menu.invalid_prompt")
    for node in menu.nodes.values():
        add(node.prompt, f"nodes.{node.name}.prompt")
    for name, dept in menu.departments.items():
        add(dept.greeting, f"departments.{name}.greeting")
    if menu.after_hours.enabled:
        for key, prompt in menu.after_hours.prompts.items():
            add(prompt, f"after_hours.{key}")
    for key, prompt in menu.survey.prompts.items():
        add(prompt, f"survey.{key}")
    if menu.ack is not None:
        for key, prompt in menu.ack.prompts.items():
            add(prompt, f"ack.{key}")
    for key, prompt in menu.service_sounds.items():
        add(prompt, f"sounds.services.{key}")
    return out


def unknown_sounds(menu: Menu, catalog: PromptCatalog) -> list[str]:
    """The menu's sounds the catalog has no words for (a studio could not record them)."""
    return [f"{sound}: named by {where}, not in {catalog.source}"
            for sound, where in sorted(menu_sounds(menu).items()) if catalog.entry(sound) is None]


def missing_files(catalog: PromptCatalog, sounds_dir: str | os.PathLike[str],
                  sounds: Iterable[str] | None = None) -> list[str]:
    """The sound names (default: all the catalog's) with no file Asterisk could play in
    ``sounds_dir`` (Asterisk's sounds folder, e.g. /var/lib/asterisk/sounds)."""
    root = Path(sounds_dir)
    wanted = sorted(sounds) if sounds is not None else [s for _, _, s, _ in catalog.items()]
    return [s for s in wanted
            if not any((root / f"{s}{ext}").is_file() for ext in SOUND_EXTENSIONS)]


def studio_script(catalog: PromptCatalog, fmt: str = "markdown") -> str:
    """The texts for a recording studio: ``markdown`` (a table per language) or ``csv``."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["file", "id", "language", "text"])
        for pid, code, sound, text in catalog.items():
            w.writerow([sound, pid, code, text])
        return buf.getvalue()
    lines = ["# OneStop IVR prompts — recording script", "",
             "Record each text as one file named as shown (8 kHz mono for telephony; WAV, GSM or",
             "µ-law), into Asterisk's sounds folder. Numbers are read by the PBX: stop where the",
             "text ends with a colon.", ""]
    for code in catalog.languages:
        lines += [f"## {code}", "", "| file | text |", "| --- | --- |"]
        lines += [f"| `{sound}` | {text.replace('|', '/')} |"
                  for _, c, sound, text in catalog.items() if c == code]
        lines.append("")
    return "\n".join(lines)


def _table(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}
