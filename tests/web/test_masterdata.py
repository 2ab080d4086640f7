"""Master data kinds have one name in the API and on the admin pages — the one the command
line uses — and the old spellings still work for scripts without being documented."""

from __future__ import annotations

import re

from sqlalchemy import select

from ticketing.model import AuditLog, PhoneEntry, SparePart

from .conftest import Web

# The names the README and `onestop import --help` give, and the log-in accounts.
NAMES = {"locations", "org_units", "staff", "phones", "parts", "suppliers", "menus", "equipment",
         "users"}
OLD = {"phone_directory": "phones", "spare_parts": "parts"}


def test_the_api_documents_each_kind_by_its_one_name(web: Web) -> None:
    spec = web.client.get("/openapi.json").json()
    param = next(p for p in spec["paths"]["/api/admin/{kind}"]["get"]["parameters"]
                 if p["name"] == "kind")
    pattern = param["schema"]["pattern"]
    assert set(re.fullmatch(r"\^\((.*)\)\$", pattern).group(1).split("|")) == NAMES  # type: ignore[union-attr]
    documented = " ".join(spec["paths"])
    for old in OLD:
        assert old not in documented


def test_the_admin_page_tabs_use_the_names_and_say_what_they_hold(web: Web) -> None:
    admin = web.login("admin")
    page = admin.get("/admin").text
    assert set(re.findall(r'href="/admin\?kind=(\w+)"', page)) == NAMES
    assert ">电话簿</a>" in page and ">备件</a>" in page  # the tabs speak zh-CN
    assert admin.get("/admin?kind=phone_directory").status_code == 200  # an old bookmark
    assert admin.get("/admin?kind=nonsense").status_code == 404


def test_phones_and_parts_import_from_the_admin_api_under_either_name(web: Web) -> None:
    admin = web.login("admin")
    uploads = [("phones", "号码,联系人,科室,位置编码\n6501,新护士站,D01,10305\n"),
               ("phone_directory", "号码,联系人,科室,位置编码\n6502,旧护士站,D01,10306\n"),
               ("parts", "物料编码,名称\nP0101,门把手\n"),
               ("spare_parts", "物料编码,名称\nP0102,合页\n")]
    for kind, csv in uploads:
        resp = admin.post(f"/api/admin/import/{kind}",
                          files={"file": (f"{kind}.csv", csv.encode(), "text/csv")})
        assert resp.status_code == 200, (kind, resp.text)
        report = resp.json()
        assert (report["kind"], report["created"], report["errors"]) == (OLD.get(kind, kind), 1, [])
    with web.deps.store.session() as s:
        assert {"6501", "6502"} <= set(s.scalars(select(PhoneEntry.number)))
        assert {"P0101", "P0102"} <= set(s.scalars(select(SparePart.code)))
        imports = s.scalars(select(AuditLog.entity_key).where(AuditLog.action == "import")).all()
    assert sorted(imports) == ["parts", "parts", "phones", "phones"]  # audited by the one name


def test_the_old_names_list_edit_and_show_history_as_the_kinds_they_stand_for(web: Web) -> None:
    admin = web.login("admin")
    for old, new in OLD.items():
        assert admin.get(f"/api/admin/{old}").json() == admin.get(f"/api/admin/{new}").json()
    edited = admin.patch("/api/admin/phone_directory/6123", json={"changes": {"person": "张护士长"}})
    assert edited.status_code == 200 and edited.json()["person"] == "张护士长"
    assert [r["person"] for r in admin.get("/api/admin/phones", params={"q": "6123"}).json()] == ["张护士长"]
    old = admin.get("/api/admin/phone_directory/6123/history").json()
    assert old == admin.get("/api/admin/phones/6123/history").json() and len(old) == 1
    assert admin.get("/admin/phone_directory/6123/history").status_code == 200
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.get("/api/admin/spare_parts").status_code == 403


def test_the_admin_kinds_are_the_importable_kinds_and_the_accounts() -> None:
    from ticketing.masterdata import KIND_ALIASES
    from ticketing.masterdata import KINDS as IMPORTABLE
    from web.masterdata import KINDS

    assert set(KINDS) == set(IMPORTABLE) | {"users"} == NAMES
    assert KIND_ALIASES == OLD
