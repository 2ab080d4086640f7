"""Menu validation, the walker, reloading and the command line."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from ivr.menu import SHIPPED_MENU, Done, MenuError, MenuSource, MenuWalk, load_menu, parse_menu
from onestop.cli import main

BASE = tomllib.loads(SHIPPED_MENU.read_text(encoding="utf-8"))


def _with(**patch: object) -> dict:  # type: ignore[type-arg]
    import copy

    data = copy.deepcopy(BASE)
    for path, value in patch.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        if value is None:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = value
    return data


def test_shipped_menu_is_valid_and_matches_the_brief() -> None:
    menu = load_menu()
    digits = {k: (c.target.service if c.target else c.node) for k, c in menu.nodes["main"].digits.items()}
    assert digits == {"1": "repair", "2": "meals", "3": "cleaning", "4": "oxygen", "5": "transport",
                      "9": "complaint"}
    assert menu.operator.service == menu.fallback.service == "operator"


@pytest.mark.parametrize("patch,problem", [
    ({"nodes__orphan": {"prompt": BASE["nodes"]["main"]["prompt"], "digits": {"1": {"service": "repair", "queue": "hotline"}}}}, "unreachable"),
    ({"nodes__main__digits__7": {"node": "sub"}, "nodes__sub": {"prompt": BASE["nodes"]["main"]["prompt"], "digits": {"1": {"node": "main"}}}}, "loop main → sub → main"),
    ({"nodes__main__digits__1": {"service": "plumbing", "queue": "hotline"}}, "unknown service type 'plumbing'"),
    ({"nodes__main__digits__1": {"service": "repair", "queue": "nowhere"}}, "unknown queue 'nowhere'"),
    ({"nodes__main__digits__0": {"service": "repair", "queue": "hotline"}}, "reserved"),
    ({"nodes__main__prompt": {"zh-CN": "x"}}, "no sound for en"),
    ({"nodes__main__prompt": None}, "prompt missing"),
    ({"nodes__main__digits__7": {"node": "ghost"}}, "no node named 'ghost'"),
    ({"menu__root": "start"}, "menu.root 'start' is not a node"),
    ({"nodes__main__digits__1": {"service": "repair", "queue": "hotline", "transfer": "PJSIP/1"}}, "exactly one of queue or transfer"),
    ({"after_hours__urgent": ["power"]}, "after_hours.urgent: unknown service type 'power'"),
    ({"sounds__services__meals": None}, "sounds.services.meals: prompt missing"),
    ({"survey__ask": None}, "survey.ask: prompt missing"),
])
def test_validation_names_the_problem(patch: dict, problem: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(MenuError) as exc:
        parse_menu(_with(**patch))
    assert problem in str(exc.value)


def test_duplicate_keys_are_a_toml_error(tmp_path: Path) -> None:
    f = tmp_path / "m.toml"
    f.write_text(SHIPPED_MENU.read_text(encoding="utf-8").replace(
        '9 = { service = "complaint"', '1 = { service = "meals", queue = "hotline" }\n9 = { service = "complaint"'))
    with pytest.raises(MenuError, match="not valid TOML"):
        load_menu(f)


def test_unknown_service_against_a_given_catalog() -> None:
    with pytest.raises(MenuError, match="unknown service type 'transport'"):
        parse_menu(BASE, service_types=["repair", "meals", "cleaning", "oxygen", "complaint", "operator"])


def test_walk_sub_menu_back_and_operator() -> None:
    data = _with(nodes__main__digits__7={"node": "more"},
                 nodes__more={"prompt": BASE["nodes"]["main"]["prompt"],
                              "digits": {"1": {"service": "transport", "queue": "hotline"}}})
    menu = parse_menu(data)
    walk = MenuWalk(menu, "en")
    assert walk.first().sounds == ("onestop/en/main-menu",)
    walk.press("7")
    assert walk.node.name == "more"
    walk.press("*")
    assert walk.node.name == "main"
    walk.press("7")
    step = walk.press("0")
    assert isinstance(step, Done) and step.reason == "operator"


def test_reload_takes_effect_for_new_calls_only(tmp_path: Path) -> None:
    f = tmp_path / "menu.toml"
    f.write_text(SHIPPED_MENU.read_text(encoding="utf-8"))
    source = MenuSource(f, check_every_s=0)
    in_progress = source.current()
    f.write_text(SHIPPED_MENU.read_text(encoding="utf-8").replace('queue = "complaints" }', 'queue = "hotline" }'))
    os.utime(f, ns=(1, 1))
    fresh = source.current()
    assert fresh is not in_progress
    assert in_progress.nodes["main"].digits["9"].target.queue == "complaints"  # type: ignore[union-attr]
    assert fresh.nodes["main"].digits["9"].target.queue == "hotline"  # type: ignore[union-attr]
    f.write_text("[menu]\nroot = 1 2")  # broken: refused, the last good menu stays
    os.utime(f, ns=(2, 2))
    assert source.current() is fresh and "not valid TOML" in source.last_error


def test_cli_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["ivr", "check"]) == 0
    out = capsys.readouterr().out
    assert "1 repair → queue hotline" in out and out.strip().endswith("OK")
    bad = tmp_path / "bad.toml"
    bad.write_text(SHIPPED_MENU.read_text(encoding="utf-8").replace('service = "meals", queue', 'service = "meal", queue'))
    assert main(["ivr", "check", str(bad)]) == 1
    assert "unknown service type 'meal'" in capsys.readouterr().err


def test_cli_simulate(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("8\n5\n"))
    assert main(["ivr", "simulate"]) == 0
    out = capsys.readouterr().out
    assert "onestop/zh/invalid-key" in out
    assert "SERVICE_TYPE=transport" in out and "QUEUE=hotline" in out
