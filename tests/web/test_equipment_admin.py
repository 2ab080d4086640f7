"""The equipment register on the admin pages: imported from a file with the bad-row report,
listed, edited with the importer's own parsers and an audit row, administrators only."""

from __future__ import annotations

from pathlib import Path

from ticketing.model import Supplier

from .conftest import Web

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def test_admin_lists_edits_and_imports_equipment(web: Web) -> None:
    admin = web.login("admin")
    csv = (FILES / "equipment.csv").read_bytes()
    resp = admin.post("/api/admin/import/equipment", files={"file": ("设备.csv", csv, "text/csv")})
    # the small hospital has rooms 10305, 10306 and 20101 but no suppliers: the file is refused
    assert resp.status_code == 200 and not resp.json()["applied"]
    assert {e["line"] for e in resp.json()["errors"]} == {2, 3, 4, 5}
    with web.deps.store.session() as s:
        s.add_all([Supplier(code="S01", name="华东五金"), Supplier(code="S02", name="申城照明")])
    resp = admin.post("/api/admin/import/equipment", files={"file": ("设备.csv", csv, "text/csv")})
    assert resp.json()["applied"] and resp.json()["created"] == 4
    listed = admin.get("/api/admin/equipment", params={"q": "空调"}).json()
    assert [r["code"] for r in listed] == ["AC-0305", "AC-0306"]
    edited = admin.patch("/api/admin/equipment/AC-0305",
                         json={"changes": {"status": "维修中", "installed": "2024年3月20日"}})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["status"], edited.json()["installed"]) == ("repair", "2024-03-20")
    bad = admin.patch("/api/admin/equipment/AC-0305", json={"changes": {"status": "坏了"}})
    assert bad.status_code == 422 and [e["loc"][-1] for e in bad.json()["detail"]] == ["status"]
    bad = admin.patch("/api/admin/equipment/AC-0305", json={"changes": {"installed": "去年春天"}})
    assert bad.status_code == 422 and [e["loc"][-1] for e in bad.json()["detail"]] == ["installed"]
    log = admin.get("/api/admin/equipment/AC-0305/history").json()
    assert [e["action"] for e in log] == ["create", "edit"]
    assert log[1]["before"] == {"status": "in_use", "installed": "2024-03-15"}
    assert log[1]["after"] == {"status": "repair", "installed": "2024-03-20"}
    page = admin.get("/admin", params={"kind": "equipment"})
    assert page.status_code == 200 and "AC-0306" in page.text
    assert web.login("lead", client=web.new_client()).get("/api/admin/equipment").status_code == 403
