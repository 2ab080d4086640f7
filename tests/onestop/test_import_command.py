"""``onestop import KIND FILE`` takes the kinds by the names the API and the admin pages use,
and the old spellings of phones and parts too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onestop.cli import build_parser, main

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def _import_choices() -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    imp = sub.choices["import"]  # type: ignore[index]
    return set(next(a for a in imp._actions if a.dest == "kind").choices)


def test_the_command_offers_the_one_name_of_each_kind() -> None:
    assert _import_choices() == {"org_units", "staff", "phones", "locations", "parts",
                                 "suppliers", "menus", "stock", "equipment"}


def test_old_and_new_names_import_the_same_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
    monkeypatch.setenv("ONESTOP_DATABASE_URL", f"sqlite:///{tmp_path / 'onestop.sqlite'}")
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    for kind, name in (("org_units", "org_units.csv"), ("locations", "locations.csv"),
                       ("suppliers", "suppliers.csv")):
        assert main(["import", kind, str(FILES / name)]) == 0
    capsys.readouterr()
    assert main(["import", "phone_directory", str(FILES / "phones.csv"), "--json"]) == 0
    old = json.loads(capsys.readouterr().out)
    assert (old["kind"], old["created"]) == ("phones", 3)
    assert main(["import", "phones", str(FILES / "phones.csv"), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["kind"], again["created"], again["unchanged"]) == ("phones", 0, 3)
    assert main(["import", "spare_parts", str(FILES / "parts.csv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "parts"
    with pytest.raises(SystemExit):
        main(["import", "rooms", str(FILES / "locations.csv")])
    assert "invalid choice: 'rooms'" in capsys.readouterr().err


def test_a_stock_file_imports_as_one_receipt_or_lists_its_bad_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
    monkeypatch.setenv("ONESTOP_DATABASE_URL", f"sqlite:///{tmp_path / 'onestop.sqlite'}")
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    for kind, name in (("suppliers", "suppliers.csv"), ("parts", "parts.csv")):
        assert main(["import", kind, str(FILES / name)]) == 0
    capsys.readouterr()
    assert main(["import", "stock", str(FILES / "stock_receipt.csv"), "--supplier", "S01", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert (done["kind"], done["created"], done["applied"]) == ("stock", 2, True) and done["doc_id"] > 0
    assert main(["import", "stock", str(FILES / "stock_bad.csv")]) == 1
    out = capsys.readouterr()
    assert "line 3: unknown part code 'P0999'" in out.out and "nothing was imported" in out.err
