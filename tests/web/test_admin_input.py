"""Master data edits are checked field by field with the importer's own rules
(``ticketing.masterdata``): a bad value is a 422 naming the field and saying why, never a 500,
never stored; ``null`` clears a field (or is refused where a value is required), never the
text "None". And no JSON number, however large or odd, makes any route answer 500."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from ticketing.model import AuditLog, Location, SparePart, Staff

from .conftest import Web


def _patch(c: Any, path: str, raw: str) -> Any:
    return c.patch(path, content=raw.encode(), headers={"content-type": "application/json"})


def _part(web: Web) -> SparePart:
    with web.deps.store.session() as s:
        part = s.scalar(select(SparePart).where(SparePart.code == "P0001"))
        assert part is not None
        return part


@pytest.mark.parametrize("path", ["/api/admin/parts/P0001", "/api/admin/spare_parts/P0001"])
@pytest.mark.parametrize(("field", "raw", "why"), [
    ("min_stock", "1e400", "finite"),
    ("min_stock", "-1e400", "finite"),
    ("min_stock", "NaN", "finite"),
    ("min_stock", "Infinity", "finite"),
    ("min_stock", "10" + "0" * 30, "too large"),
    ("min_stock", '"Infinity"', "not a number"),
    ("min_stock", '"NaN"', "not a number"),
    ("min_stock", "2.5", "whole number"),
    ("min_stock", "-1", "below 0"),
    ("min_stock", "true", "yes/no"),
    ("price", "1e400", "finite"),
    ("price", "NaN", "finite"),
    ("price", "10" + "0" * 30, "too large"),
    ("price", '"Infinity"', "zero or more"),
    ("price", '"1e400"', "too large"),
    ("price", "0.125", "2 decimals"),
    ("name", "null", "required"),
    ("name", '""', "required"),
    ("name", '"' + "长" * 101 + '"', "longer than 100"),
    ("active", '"maybe"', "yes/no"),
    ("active", "null", "yes or no"),
    ("active", "2", "yes/no"),
    ("supplier_code", '"S999"', "unknown supplier"),
])
def test_a_bad_value_is_a_422_naming_the_field(web: Web, path: str, field: str, raw: str,
                                               why: str) -> None:
    admin = web.login("admin")
    before = _part(web)
    resp = _patch(admin, path, f'{{"changes": {{"{field}": {raw}}}}}')
    assert resp.status_code == 422, resp.text
    [error] = resp.json()["detail"]
    assert error["loc"] == ["body", "changes", field] and why in error["msg"], error
    after = _part(web)
    assert (after.stock, after.min_stock, after.price, after.name, after.active) == (
        before.stock, before.min_stock, before.price, before.name, before.active)


def test_every_bad_field_is_named_and_nothing_is_stored(web: Web) -> None:
    admin = web.login("admin")
    resp = _patch(admin, "/api/admin/parts/P0001",
                  '{"changes": {"min_stock": -3, "price": NaN, "unit": "个", "active": "maybe"}}')
    assert resp.status_code == 422
    assert sorted(e["loc"][-1] for e in resp.json()["detail"]) == ["active", "min_stock", "price"]
    assert _part(web).unit == "支"
    with web.deps.store.session() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "edit")) is None


def test_good_values_are_stored_as_the_importer_would(web: Web) -> None:
    admin = web.login("admin")
    resp = _patch(admin, "/api/admin/parts/P0001",
                  '{"changes": {"min_stock": "1,200", "price": "¥12.5", "spec": null, "active": "否"}}')
    assert resp.status_code == 200, resp.text
    part = _part(web)
    assert (part.min_stock, part.price, part.spec, part.active) == (1200, Decimal("12.50"), "", False)
    assert resp.json()["spec"] == "" and resp.json()["active"] is False
    assert _patch(admin, "/api/admin/parts/P0001", '{"changes": {"active": true, "min_stock": 7}}').status_code == 200
    assert (_part(web).active, _part(web).min_stock) == (True, 7)


def test_stock_changes_only_by_stock_documents(web: Web) -> None:
    admin = web.login("admin")
    before = _part(web).stock
    resp = _patch(admin, "/api/admin/parts/P0001", '{"changes": {"stock": 7}}')
    assert resp.status_code == 422, resp.text
    assert resp.json()["detail"][0]["loc"] == ["body", "changes", "stock"]
    assert _part(web).stock == before


def test_codes_and_references_follow_the_importers_rules(web: Web) -> None:
    admin = web.login("admin")
    ok = _patch(admin, "/api/admin/staff/W001",
                '{"changes": {"skills": "维修、保洁", "shift": "夜班", "phone": "+86 138-0000-0055"}}')
    assert ok.status_code == 200, ok.text
    with web.deps.store.session() as s:
        w = s.scalar(select(Staff).where(Staff.code == "W001"))
        assert w is not None and (w.skills, w.shift, w.phone) == ("repair,cleaning", "night", "13800000055")
    taken = _patch(admin, "/api/admin/staff/W002", '{"changes": {"phone": "13800000055"}}')
    assert taken.status_code == 422 and "W001" in taken.json()["detail"][0]["msg"]
    for raw, field in (('{"phone": "12345"}', "phone"), ('{"skills": "飞行"}', "skills"),
                       ('{"org_code": "NOPE"}', "org_code"), ('{"role": "boss"}', "role")):
        resp = _patch(admin, "/api/admin/staff/W001", f'{{"changes": {raw}}}')
        assert resp.status_code == 422 and resp.json()["detail"][0]["loc"][-1] == field, raw
    resp = _patch(admin, "/api/admin/locations/10305", '{"changes": {"floor": 3, "name": null}}')
    assert resp.status_code == 200, resp.text
    with web.deps.store.session() as s:
        loc = s.scalar(select(Location).where(Location.code == "10305"))
        assert loc is not None and (loc.floor, loc.name) == ("3", "")
    resp = _patch(admin, "/api/admin/locations/10305", '{"changes": {"floor": 3.5e300}}')
    assert resp.status_code == 422


def test_an_unknown_column_or_record_is_named(web: Web) -> None:
    admin = web.login("admin")
    resp = _patch(admin, "/api/admin/parts/P0001", '{"changes": {"id": 9}}')
    assert resp.status_code == 422 and resp.json()["detail"][0]["loc"] == ["body", "changes", "id"]
    assert _patch(admin, "/api/admin/parts/NOPE", '{"changes": {"min_stock": 1}}').status_code == 404


def test_account_edits_take_yes_no_words_and_refuse_the_rest(web: Web) -> None:
    admin = web.login("admin")
    resp = _patch(admin, "/api/admin/users/viewer", '{"changes": {"active": "False", "language": "en"}}')
    assert resp.status_code == 200 and resp.json()["active"] is False
    for raw, field in (('{"active": "maybe"}', "active"), ('{"role": "root"}', "role"),
                       ('{"role": null}', "role"), ('{"language": "fr"}', "language"),
                       ('{"display_name": 1e400}', "display_name")):
        resp = _patch(admin, "/api/admin/users/viewer", f'{{"changes": {raw}}}')
        assert resp.status_code == 422 and resp.json()["detail"][0]["loc"][-1] == field, raw


@pytest.mark.parametrize("raw", ["1e400", "-1e400", "NaN", "Infinity", "1" + "0" * 40])
def test_no_json_number_makes_a_500(web: Web, raw: str) -> None:
    lead = web.login("lead")
    op = lead.post("/api/tickets", json={"service_type": "repair", "location_code": "10305"})
    tid = op.json()["id"]
    for path, body in ((f"/api/tickets/{tid}/callback", f'{{"score": {raw}}}'),
                       (f"/api/tickets/{tid}/merge", f'{{"into_id": {raw}}}'),
                       (f"/api/tickets/{tid}/dispatch", f'{{"staff_codes": [{raw}]}}'),
                       ("/api/tickets", f'{{"service_type": {raw}}}')):
        resp = lead.post(path, content=body.encode(), headers={"content-type": "application/json"})
        assert resp.status_code == 422, (path, body, resp.status_code)
    assert lead.get("/api/tickets", params={"limit": raw}).status_code == 422
