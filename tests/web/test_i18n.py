"""The catalog is merged from one module per area without losing or overriding a word, and
every word a page asks for is in it, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from web import i18n

WEB = Path(__file__).resolve().parents[2] / "web"


def test_no_key_is_defined_by_two_area_modules() -> None:
    areas = i18n.area_catalogs()
    assert {"core", "auth", "desk", "tickets", "board", "stats", "admin"} <= set(areas)
    dups = i18n.duplicate_keys(areas)
    assert dups == {}, "keys defined in more than one web/i18n module: " + "; ".join(
        f"{key} in {', '.join(names)}" for key, names in sorted(dups.items()))


def test_the_duplicate_check_fails_on_a_key_two_modules_define() -> None:
    areas = {"desk": {"save": ("保存", "Save"), "pop": ("来电弹屏", "Screen pop")},
             "stock": {"save": ("保存", "Save")},  # the same text is still a second definition
             "meals": {"pop": ("弹出", "Pop"), "menu": ("菜单", "Menu")}}
    assert i18n.duplicate_keys(areas) == {"save": ["desk", "stock"], "pop": ["desk", "meals"]}


def test_the_catalog_holds_every_areas_entries() -> None:
    areas = i18n.area_catalogs()
    assert len(i18n.MESSAGES) == sum(len(m) for m in areas.values())
    for messages in areas.values():
        for key, pair in messages.items():
            assert i18n.MESSAGES[key] == pair


def test_every_entry_has_both_languages() -> None:
    for key, pair in i18n.MESSAGES.items():
        assert isinstance(pair, tuple) and len(pair) == 2, key
        zh, en = pair
        assert zh.strip() and en.strip(), key


def test_every_word_the_templates_and_scripts_ask_for_is_in_the_catalog() -> None:
    # t('key') in templates, t("key") in scripts; keys built at run time (t("clean_" + kind))
    # are followed by + or ~ and are left out.
    call = re.compile(r"""\bt\(\s*(['"])([^'"]+)\1(?!\s*[+~])""")
    asked: dict[str, str] = {}
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("static/*.js")]:
        for m in call.finditer(path.read_text(encoding="utf-8")):
            asked.setdefault(m.group(2), path.name)
    assert len(asked) > 80
    missing = {key: where for key, where in asked.items() if key not in i18n.MESSAGES}
    assert missing == {}


def test_translate_falls_back_to_chinese_and_to_the_key() -> None:
    assert i18n.translate("login", "en") == "Log in"
    assert i18n.translate("login", "zh-CN") == "登录"
    assert i18n.translator("fr")("logout") == "退出"
    assert i18n.translate("no such key", "en") == "no such key"
    assert i18n.catalog("en")["desk"] == "Desk"
