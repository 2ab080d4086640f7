"""The house rules of the packages, read from the code: the core (``ticketing/``) imports no
adapter and not the composition root; an adapter (``cti``, ``ivr``, ``modem``, ``receipts``,
``hooks``, ``web``) imports no other adapter and not the composition root — they meet only in
``onestop/``. Every import counts, at the top of a module or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = frozenset({"cti", "ivr", "modem", "receipts", "hooks", "web"})


def _imports(package: str, root: Path = ROOT) -> list[tuple[str, str]]:
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(root)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((str(path.relative_to(root)), node.module))
    return found


def _offending(package: str, forbidden: frozenset[str], root: Path = ROOT) -> list[tuple[str, str]]:
    return [(path, name) for path, name in _imports(package, root) if name.split(".")[0] in forbidden]


def test_the_core_imports_no_adapter() -> None:
    assert _imports("ticketing"), "read nothing: wrong root?"
    assert _offending("ticketing", ADAPTERS | {"onestop"}) == []


def test_adapters_import_neither_each_other_nor_the_composition_root() -> None:
    for adapter in sorted(ADAPTERS):
        assert _offending(adapter, (ADAPTERS - {adapter}) | {"onestop"}) == [], adapter


def test_the_rule_catches_an_import(tmp_path: Path) -> None:
    """An import inside a function and a dotted one are seen (so the checks above can fail)."""
    (tmp_path / "ticketing").mkdir()
    (tmp_path / "ticketing" / "sneaky.py").write_text(
        "import json\n\ndef f():\n    from cti.tracker import CallTracker\n    import web.app\n")
    assert _offending("ticketing", ADAPTERS, tmp_path) == [
        ("ticketing/sneaky.py", "cti.tracker"), ("ticketing/sneaky.py", "web.app")]
