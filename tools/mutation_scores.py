"""Per-module mutation scores from the last ``make mutants`` run (``mutants/*.meta``).

Score = killed (a test failed) / mutants run; a mutant no selected test runs counts as
surviving. Mutants cut by mutmut's timeout are shown apart and not counted as killed: a loop
the mutant made and a machine too busy to finish the tests in time look the same. Prints a
Markdown table for
docs/mutation.md, then the surviving mutants' names (``mutmut show NAME`` shows each diff).

    .venv/bin/python tools/mutation_scores.py [--survivors]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# mutmut's exit codes: 1 a test failed (killed), 0 survived, 33 no test covers it, timeouts
# (SIGXCPU / SIGKILL) and 37 caught by the type checker; None: not run yet.
KILLED = {1, 3, 37}
TIMEOUT = {-24, 24, 36, 152, -9}
NAMES = {0: "survived", 33: "no tests", None: "not run"}


def main() -> int:
    rows, survivors = [], []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        outcome = Counter("killed" if c in KILLED else "timeout" if c in TIMEOUT
                          else NAMES.get(c, f"exit {c}") for c in codes.values())
        module = str(meta.relative_to(ROOT / "mutants"))[:-len(".meta")]
        total = len(codes)
        rows.append((module, total, outcome))
        survivors += sorted(k for k, c in codes.items() if c not in KILLED)
    print("| module | mutants | run | killed | timed out | survived | no test runs it | score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for module, total, o in rows:
        run = total - o["not run"]
        score = f"{100 * o['killed'] / run:.0f} %" if run else "–"
        print(f"| `{module}` | {total} | {run} | {o['killed']} | {o['timeout']} | {o['survived']} |"
              f" {o['no tests']} | {score} |")
    if "--survivors" in sys.argv[1:]:
        print()
        print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
