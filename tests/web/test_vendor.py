"""The front-end libraries come from the npm registry (package-lock.json) and are served by the
app itself: a hospital intranet is offline, so no page may reach for a CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import Web

ROOT = Path(__file__).resolve().parents[2]


def test_echarts_is_served_from_the_locked_package(web: Web) -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/echarts"]["version"]
    r = web.client.get("/static/vendor/echarts.min.js")
    assert r.status_code == 200, "run `make web/static/vendor/.installed` (make test does)"
    # the served file is the locked release, not a stray copy
    assert re.search(rf'version\s*=\s*"{re.escape(locked)}"|"{re.escape(locked)}"', r.text[-400_000:])


def test_no_page_loads_anything_from_another_host() -> None:
    external = re.compile(r'(src|href)\s*=\s*["\'](https?:)?//', re.I)
    for path in sorted((ROOT / "web").rglob("*")):
        if path.suffix in {".html", ".js", ".css"} and "vendor" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert not external.search(text), f"{path.relative_to(ROOT)} loads from another host"
            assert "@import url(http" not in text
