"""What a person at the terminal sees when the store, a file or a port is not as expected:
one line naming it and the fix, exit status 2, no traceback, nothing created by asking."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from onestop.cli import main
from ticketing.store import Store


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ONESTOP_CONFIG", raising=False)
    monkeypatch.delenv("ONESTOP_DATABASE_URL", raising=False)
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(tmp_path))
    return tmp_path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def test_a_missing_store_is_named_and_not_created(data_dir: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["tickets", "list"], ["db", "current"], ["cti", "calls"]):
        code, err = _run(argv, capsys)
        assert code == 2, argv
        assert f"no store at {data_dir / 'onestop.sqlite'}" in err and "onestop db upgrade" in err
    assert not (data_dir / "onestop.sqlite").exists()


def test_the_demo_store_is_pointed_at_when_it_exists(data_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    demo = data_dir / "demo" / "onestop.sqlite"
    demo.parent.mkdir()
    Store(f"sqlite:///{demo}").upgrade()
    code, err = _run(["tickets", "list"], capsys)
    assert code == 2 and f"export ONESTOP_DATABASE_URL=sqlite:///{demo}" in err


def test_a_store_behind_the_code_names_both_revisions(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{data_dir / 'old.sqlite'}"
    store = Store(url)
    store.upgrade("0004")
    _, head = store.revisions()
    store.dispose()
    monkeypatch.setenv("ONESTOP_DATABASE_URL", url)
    code, err = _run(["tickets", "list"], capsys)
    assert code == 2
    assert f"is at revision 0004, this code needs {head}" in err and "onestop db upgrade" in err


def test_an_unreadable_import_file_is_named_before_the_store(data_dir: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    missing = data_dir / "rooms.csv"
    code, err = _run(["import", "locations", str(missing)], capsys)
    assert code == 2
    assert f"cannot read {missing}: No such file or directory" in err and "line 0" not in err
    code, err = _run(["import", "locations", str(data_dir)], capsys)
    assert code == 2 and "Is a directory" in err


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_a_taken_desk_port_names_the_port_and_the_option(data_dir: Path, taken_port: int,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["serve", "--http", f"127.0.0.1:{taken_port}", "--no-ami", "--no-agi", "--no-modem",
            "--no-printer", "--no-sweeper"]
    code, err = _run(argv, capsys)
    assert code == 2
    assert f"the desk cannot listen on 127.0.0.1:{taken_port}: the port is in use" in err
    assert "--http HOST:PORT" in err


def test_a_malformed_http_option(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["serve", "--http", "localhost"], capsys)
    assert code == 2 and "--http localhost: give HOST:PORT" in err
