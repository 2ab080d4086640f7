"""The prompt catalog: every sound the IVR plays has its words in zh-CN and en, a studio
script lists them, a sounds folder is checked against them, placeholders are synthesised
as Asterisk plays them (8 kHz mono)."""

from __future__ import annotations

import csv
import io
import tomllib
import wave
from pathlib import Path

import pytest

from ivr.menu import load_menu
from ivr.prompts import (
    SHIPPED_PROMPTS,
    PromptCatalog,
    PromptError,
    menu_sounds,
    missing_files,
    unknown_sounds,
)
from ivr.synth import missing_tools, synthesise
from onestop.cli import main

RAW = tomllib.loads(SHIPPED_PROMPTS.read_text(encoding="utf-8"))
DIRS = {"zh-CN": "zh", "en": "en"}


def test_every_sound_the_menu_plays_has_words_in_both_languages() -> None:
    menu, catalog = load_menu(), PromptCatalog.load()
    assert unknown_sounds(menu, catalog) == []
    played = set(menu_sounds(menu))
    # each sound is onestop/<dir>/<id> and the file's own table has a text for it
    for sound in played:
        _, d, pid = sound.split("/")
        lang = next(k for k, v in DIRS.items() if v == d)
        assert RAW["prompts"][pid][lang].strip(), sound
    # and the catalog holds nothing the IVR never plays (a studio would record it for nothing)
    assert {f"onestop/{DIRS[lang]}/{pid}" for pid, texts in RAW["prompts"].items() for lang in texts} == played


def test_the_acknowledgement_call_and_self_service_prompts_are_listed() -> None:
    played = set(menu_sounds(load_menu()))
    for pid in ("ack-intro", "ack-place", "ack-ask", "ack-accepted", "ack-declined",
                "key-room-code", "choose-service", "survey-score-1-5"):
        assert {f"onestop/zh/{pid}", f"onestop/en/{pid}"} <= played


@pytest.mark.parametrize("data,problem", [
    ({"languages": {"zh-CN": {"dir": "zh", "voice": "cmn"}}, "prompts": {"x": {"en": "hi"}}},
     "prompts.x: no text for zh-CN"),
    ({"languages": {"zh-CN": {"dir": "zh"}}, "prompts": {}}, "languages.zh-CN: give dir and voice"),
    ({"prompts": {"x": {"zh-CN": "好"}}}, "[languages] missing"),
])
def test_a_broken_catalog_names_the_problem(data: dict, problem: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(PromptError) as err:
        PromptCatalog.parse(data, "p.toml")
    assert problem in str(err.value) and "p.toml" in str(err.value)


def test_missing_files_of_a_sounds_folder(tmp_path: Path) -> None:
    catalog = PromptCatalog.load()
    (tmp_path / "onestop" / "zh").mkdir(parents=True)
    (tmp_path / "onestop" / "zh" / "main-menu.gsm").write_bytes(b"x")
    (tmp_path / "onestop" / "zh" / "goodbye.wav").write_bytes(b"x")
    (tmp_path / "onestop" / "zh" / "ack-ask.mp3").write_bytes(b"x")  # not a format Asterisk plays
    everything = {f"onestop/{DIRS[lang]}/{pid}" for pid, texts in RAW["prompts"].items() for lang in texts}
    assert set(missing_files(catalog, tmp_path)) == everything - {"onestop/zh/main-menu", "onestop/zh/goodbye"}


def test_studio_script_csv_and_markdown() -> None:
    catalog = PromptCatalog.load()
    rows = list(csv.DictReader(io.StringIO(_studio(["--list", "--csv"]))))
    assert len(rows) == sum(len(texts) for texts in RAW["prompts"].values())
    for r in rows:
        assert RAW["prompts"][r["id"]][r["language"]] == r["text"]
        assert r["file"] == f"onestop/{DIRS[r['language']]}/{r['id']}"
    md = _studio(["--list"])
    assert "| `onestop/en/ack-ask` | To accept press 1. If you cannot go, press 2. |" in md
    assert md.count("| `onestop/") == len(catalog.items())


def _studio(argv: list[str]) -> str:
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["ivr", "prompts", *argv]) == 0
    return buf.getvalue()


def test_ivr_check_lists_what_a_sounds_folder_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    played = sorted(menu_sounds(load_menu()))
    for sound in played[1:]:
        f = tmp_path / f"{sound}.ulaw"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"\xff")
    assert main(["ivr", "check", "--sounds", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"missing: {played[0]} " in out and f"1 of {len(played)} prompts missing" in out
    (tmp_path / f"{played[0]}.wav").write_bytes(b"RIFF")
    assert main(["ivr", "check", "--sounds", str(tmp_path)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("OK")


@pytest.mark.skipif(bool(missing_tools()), reason="espeak-ng and sox not installed (.ci/system-deps)")
def test_placeholders_are_8khz_mono_sound_asterisk_plays(tmp_path: Path) -> None:
    files = synthesise(PromptCatalog.load(), tmp_path, ids=["ack-ask"], formats=["wav", "ulaw"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in files) == [
        "onestop/en/ack-ask.ulaw", "onestop/en/ack-ask.wav", "onestop/zh/ack-ask.ulaw", "onestop/zh/ack-ask.wav"]
    for lang in ("zh", "en"):
        with wave.open(str(tmp_path / "onestop" / lang / "ack-ask.wav")) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            seconds = w.getnframes() / 8000
        assert 0.5 < seconds < 15  # a spoken sentence
        ulaw = (tmp_path / "onestop" / lang / "ack-ask.ulaw").stat().st_size
        assert abs(ulaw - seconds * 8000) <= 8  # µ-law: one byte a sample, no header
    readme = (tmp_path / "onestop" / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("PLACEHOLDER") and "onestop/zh/ack-ask.wav" in readme


def test_synthesis_of_an_unknown_prompt_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if missing_tools():
        assert main(["ivr", "prompts", "--out", str(tmp_path)]) == 1
        assert "apt-get install" in capsys.readouterr().err
        return
    assert main(["ivr", "prompts", "--out", str(tmp_path), "--only", "no-such-prompt"]) == 1
    assert "no prompt 'no-such-prompt'" in capsys.readouterr().err
    assert main(["ivr", "prompts", "--out", str(tmp_path), "--language", "fr"]) == 1
