"""The commands and settings the README and the guides show work as shown.

Every ``onestop …`` command in a ``sh`` block or an inline code span of ``README.md`` and
``docs/*.md`` is parsed by the real command-line parser (a renamed option or subcommand fails
here), and those that finish on their own — migrations, imports, seeding, listing, checks,
replays, samples, reports — run for real against a fresh store. ``make`` targets the docs name
exist in the Makefile, and every ``toml`` block is a valid fragment of the settings file.
Placeholders in capitals (``KIND``, ``FILE``, ``NUMBER``…) are filled with sample values; a
file the docs name but the repository does not ship is replaced by the test fixture of its kind.
"""

from __future__ import annotations

import io
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from onestop.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
IMPORTS = ROOT / "tests" / "fixtures" / "import"

# Commands that run until stopped, or need a device or a server: parsed, not run.
LONG_RUNNING = {("serve",), ("demo",), ("modem", "emulate"), ("receipts", "printer-emulate"),
                ("receipts", "status"), ("modem", "send"), ("webhooks", "deliver")}
PLACEHOLDERS = {"KIND": "locations", "FILE": "locations.csv", "NUMBER": "13800000000",
                "TEXT": "测试", "REV": "head", "PATH": "tests/fixtures/traces/repair_answered",
                "HOST:PORT": "127.0.0.1:8080", "DIR": "out", "N": "1"}


def _blocks(lang: str) -> Iterator[tuple[Path, str]]:
    fence = re.compile(rf"^\s*```{lang}\n(.*?)^\s*```", re.M | re.S)
    for doc in DOCS:
        for m in fence.finditer(doc.read_text(encoding="utf-8")):
            yield doc, m.group(1)


def _commands() -> list[tuple[str, list[str]]]:
    """(where, argv after 'onestop') for each documented onestop command, in document order."""
    found: list[tuple[str, list[str]]] = []
    for doc, block in _blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            argv = _onestop_argv(line)
            if argv:
                found.append((f"{doc.name}: {line}", argv))
    for doc in DOCS:
        for span in re.findall(r"`([^`\n]+)`", doc.read_text(encoding="utf-8")):
            argv = _onestop_argv(span.strip())
            if argv and not any(a.startswith("-") and len(a) == 1 for a in argv):
                found.append((f"{doc.name}: `{span}`", argv))
    return found


def _onestop_argv(line: str) -> list[str]:
    try:
        words = shlex.split(line)
    except ValueError:
        return []
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):  # VAR=value before the command
        words.pop(0)
    if not words or not re.fullmatch(r"(\S*/)?onestop", words[0]) or len(words) < 2:
        return []
    if words[1] in ("...", "…") or "…" in words:
        return []
    return [PLACEHOLDERS.get(w, w) for w in words[1:]]


COMMANDS = _commands()


def test_the_docs_show_commands() -> None:
    # the scan itself works: the README's own commands are found
    assert any(argv[:2] == ["db", "upgrade"] for _, argv in COMMANDS)
    assert any(argv[0] == "import" for _, argv in COMMANDS)


@pytest.mark.parametrize("where,argv", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_every_documented_command_parses(where: str, argv: list[str]) -> None:
    parser = build_parser()
    try:
        parser.parse_args(argv)
    except SystemExit as exc:  # --help exits 0 after printing; anything else is a refusal
        if exc.code != 0 or "--help" not in argv:
            pytest.fail(f"{where}: the parser refuses it (exit {exc.code})")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs")


def _runnable(argv: list[str]) -> bool:
    if "--help" in argv:
        return False
    return tuple(argv[:1]) not in LONG_RUNNING and tuple(argv[:2]) not in LONG_RUNNING \
        and "--send" not in argv


def _localise(argv: list[str], sandbox: Path) -> list[str]:
    out = list(argv)
    if out[0] == "import":
        kind = out[1]
        kind = {"phone_directory": "phones", "spare_parts": "parts"}.get(kind, kind)
        path = ROOT / out[2]
        out[2] = str(path if path.exists() else IMPORTS / f"{kind}.csv")
    for flag in ("--out", "--dir"):
        if flag in out:
            i = out.index(flag) + 1
            out[i] = str(sandbox / Path(out[i]).name)
    return [str(ROOT / a) if a.startswith("tests/") else a for a in out]


def test_the_documented_commands_that_finish_run(sandbox: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
    monkeypatch.delenv("ONESTOP_DATABASE_URL", raising=False)
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(sandbox))
    # the PBX's recordings folder (the recordings sweep reads it): one without files here
    (sandbox / "monitor").mkdir(exist_ok=True)
    monkeypatch.setenv("ONESTOP_RECORDINGS_DIR", str(sandbox / "monitor"))
    monkeypatch.chdir(sandbox)
    ran = []
    # the store the docs' commands act on: migrated, with the departments and suppliers the
    # other kinds refer to (a hospital imports those first)
    assert main(["db", "upgrade"]) == 0
    for kind in ("org_units", "suppliers"):
        assert main(["import", kind, str(IMPORTS / f"{kind}.csv")]) == 0
    for where, argv in COMMANDS:
        if not _runnable(argv):
            continue
        # interactive commands (ivr simulate) get a caller's keys: 1 (repair), then nothing
        monkeypatch.setattr("sys.stdin", io.StringIO("1\n"))
        code = main(_localise(argv, sandbox))
        err = capsys.readouterr().err
        assert code == 0, f"{where}: exit {code}\n{err[-2000:]}"
        assert "Traceback" not in err, where
        ran.append(argv[0])
    assert {"db", "import"} <= set(ran)


@pytest.mark.parametrize("where,text", [(f"{d.name} block {i}", b) for i, (d, b) in
                                        enumerate(_blocks("toml"))])
def test_every_documented_settings_fragment_is_valid(where: str, text: str) -> None:
    data = tomllib.loads(text)
    Settings.model_validate(data)  # raises, naming the key, on an unknown or wrong setting


def test_every_documented_make_target_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w./-]*):", makefile, re.M))
    targets |= {t.replace("$(VENV)", ".venv").replace("$(VENDOR)", "web/static/vendor")
                .replace("$(STAMP)", ".venv/.installed").replace("$(FRONT)", "web/static/vendor/.installed")
                for t in re.findall(r"^(\$\([A-Z]+\)[\w./-]*):", makefile, re.M)}
    targets |= {".venv/.installed", "web/static/vendor/.installed"}
    for doc in DOCS:
        for span in re.findall(r"`(make [^`\n]+)`|^\s*(make [^\n#]+)", doc.read_text(encoding="utf-8"), re.M):
            words = shlex.split((span[0] or span[1]).strip())[1:]
            for word in words:
                if "=" not in word and not word.startswith("-"):
                    assert word in targets, f"{doc.name}: make {word} is not a target"
