"""The module sizes table of docs/architecture.md: every package and the benches, their modules
and lines, the largest modules by name. ``python tools/module_sizes.py`` prints the table as Markdown;
``--check docs/architecture.md`` exits 1 (naming the difference) when the document's table is
not the one the code has today, ``--write docs/architecture.md`` replaces it.

Lines are physical lines of the ``.py`` files (docstrings and comments included), counted
the way ``wc -l`` does, so anyone can check a figure by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PACKAGES = ("ticketing", "cti", "ivr", "modem", "receipts", "hooks", "web", "onestop", "config", "bench")
BEGIN = "<!-- module sizes: begin (python tools/module_sizes.py --write docs/architecture.md) -->"
END = "<!-- module sizes: end -->"
LIMIT = 400  # "no module over ~400 lines unless one idea needs it"


def lines_of(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def table(root: Path) -> str:
    rows = ["| package | modules | lines | largest modules (lines) |",
            "| --- | ---: | ---: | --- |"]
    over: list[tuple[int, str]] = []
    for pkg in PACKAGES:
        files = sorted(p for p in (root / pkg).rglob("*.py") if "__pycache__" not in p.parts)
        if not files:
            continue
        sizes = [(lines_of(p), p.relative_to(root).as_posix()) for p in files]
        largest = sorted(sizes, key=lambda s: (-s[0], s[1]))[:3]
        over += [s for s in sizes if s[0] > LIMIT]
        rows.append(f"| `{pkg}/` | {len(files)} | {sum(n for n, _ in sizes)} | "
                    + ", ".join(f"`{name}` ({n})" for n, name in largest) + " |")
    text = "\n".join(rows) + "\n"
    if over:
        text += ("\nOver " + str(LIMIT) + " lines: "
                 + ", ".join(f"`{name}` ({n})" for n, name in sorted(over, key=lambda s: -s[0]))
                 + ".\n")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", metavar="DOC")
    ap.add_argument("--write", metavar="DOC")
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    now = table(root)
    doc = args.check or args.write
    if not doc:
        sys.stdout.write(now)
        return 0
    text = Path(doc).read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"{doc}: no module sizes table (the markers {BEGIN!r} … {END!r})", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    old, tail = rest.split(END, 1)
    if args.check:
        if old.strip() != now.strip():
            print(f"{doc}: the module sizes table is out of date; run "
                  f"python tools/module_sizes.py --write {doc}", file=sys.stderr)
            return 1
        return 0
    Path(doc).write_text(head + BEGIN + "\n" + now + END + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
