"""Placeholder prompts, synthesised: Debian's ``espeak-ng`` speaks each text, ``sox`` turns it
into what Asterisk plays on a phone line (8 kHz, mono; 16-bit WAV, GSM or µ-law).

They are clearly placeholders — a machine voice, and a ``README.txt`` beside them saying so —
to be replaced by studio recordings of the same texts (``onestop ivr prompts --list``). A new
PBX then plays words instead of silence from the first call.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ivr.prompts import PREFIX, PromptCatalog

FORMATS = {"wav": ["-b", "16", "-e", "signed-integer"], "gsm": [], "ulaw": ["-t", "ul"]}
TOOLS = {"espeak-ng": "espeak-ng", "sox": "sox"}  # command → the Debian package that has it

README = """PLACEHOLDER PROMPTS — synthesised by `onestop ivr prompts` with espeak-ng and sox.

These files are a machine voice so that a new PBX plays words instead of silence. Replace each
with a studio recording of the same text and keep its name: `onestop ivr prompts --list` prints
the script (one file per prompt and language), `onestop ivr check --sounds DIR` lists the
prompts a sounds folder lacks. Format: 8 kHz, mono ({formats}).

{listing}
"""


class SynthError(RuntimeError):
    """A tool is missing or failed; the message says which and how to install it."""


def missing_tools() -> list[str]:
    """The Debian packages to install before prompts can be synthesised."""
    return [pkg for cmd, pkg in TOOLS.items() if shutil.which(cmd) is None]


def synthesise(catalog: PromptCatalog, out_dir: str | Path, ids: Iterable[str] | None = None,
               languages: Iterable[str] | None = None, formats: Iterable[str] = ("wav",),
               timeout_s: float = 60.0) -> list[Path]:
    """Write ``out_dir/onestop/<dir>/<id>.<format>`` for the prompts asked (default: all) and
    a README that marks them as placeholders; returns the files written."""
    need = missing_tools()
    if need:
        raise SynthError(f"cannot synthesise prompts: install {' and '.join(need)} "
                         f"(apt-get install {' '.join(need)})")
    fmts = list(dict.fromkeys(formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown:
        raise SynthError(f"unknown sound format {unknown[0]!r}; use {', '.join(FORMATS)}")
    wanted_ids = set(ids) if ids is not None else None
    wanted_langs = set(languages) if languages is not None else None
    strangers = sorted((wanted_ids or set()) - set(catalog.texts))
    if strangers:
        raise SynthError(f"no prompt {strangers[0]!r} in {catalog.source}")
    root = Path(out_dir)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="onestop-prompts-") as tmp:
        raw = Path(tmp) / "voice.wav"
        for pid, code, sound, text in catalog.items():
            if (wanted_ids is not None and pid not in wanted_ids) or (
                    wanted_langs is not None and code not in wanted_langs):
                continue
            _run(["espeak-ng", "-v", catalog.languages[code].voice, "-w", str(raw), text], timeout_s)
            for fmt in fmts:
                target = root / f"{sound}.{fmt}"
                target.parent.mkdir(parents=True, exist_ok=True)
                _run(["sox", str(raw), "-r", "8000", "-c", "1", *FORMATS[fmt], str(target)], timeout_s)
                written.append(target)
    listing = "\n".join(f"{p.relative_to(root)}" for p in written)
    note = root / PREFIX / "README.txt"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(README.format(formats=", ".join(fmts), listing=listing), encoding="utf-8")
    return written


def _run(cmd: list[str], timeout_s: float) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise SynthError(f"{cmd[0]} took longer than {timeout_s:.0f} s") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SynthError(f"{cmd[0]} failed ({done.returncode}): {err[-1] if err else 'no message'}")
