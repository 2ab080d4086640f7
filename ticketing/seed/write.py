"""Writing the sample hospital into a store: its master data through the same upsert as the
imports (so seeding twice changes nothing), and the desk log-ins.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.imports import UpsertCounts, upsert_records
from ticketing.masterdata import hash_password, kind
from ticketing.model import User
from ticketing.seed.hospital import SEED, build_hospital
from ticketing.store import Store

DEMO_USERS = (("li", "李晓", "operator", "OP01"), ("wang", "王芳", "operator", "OP02"),
              ("dispatcher", "调度员", "dispatcher", "OP03"), ("lead", "维修班长", "lead", "L-T01"),
              ("manager", "吴主任", "manager", "M001"), ("admin", "管理员", "admin", ""),
              ("viewer", "访客", "viewer", ""))
DEMO_PASSWORD = "demo"


@dataclass
class SeedReport:
    counts: dict[str, UpsertCounts] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    admin_password: str = ""  # set when a non-demo seed created the admin log-in

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: vars(v) for k, v in self.counts.items()}
        out["users"] = self.users
        return out


def seed_hospital(store: Store, demo_users: bool = False, seed: int = SEED,
                  menu_start: date | None = None, actor: str = "seed",
                  at: datetime | None = None) -> SeedReport:
    """Write the sample hospital in one transaction (idempotent). With ``demo_users`` the desk
    log-ins li, wang, dispatcher, lead, manager, admin and viewer get the password ``demo``;
    otherwise only an ``admin`` is created (once) with a random password in the report."""
    hospital = build_hospital(seed, menu_start)
    report = SeedReport()
    at = at or datetime.now(UTC)
    with store.session() as s:
        for name, records in hospital.by_kind():
            report.counts[name] = upsert_records(s, kind(name), records, actor, at)
        report.users, report.admin_password = _users(s, demo_users)
    return report


def _users(s: Session, demo: bool) -> tuple[list[str], str]:
    existing = set(s.scalars(select(User.username)))
    created: list[str] = []
    password = ""
    wanted = DEMO_USERS if demo else (("admin", "管理员", "admin", ""),)
    if not demo and "admin" not in existing:
        password = secrets.token_urlsafe(12)
    for username, display, role, staff_code in wanted:
        if username in existing:
            continue
        s.add(User(username=username, display_name=display, role=role, staff_code=staff_code,
                   password_hash=hash_password(DEMO_PASSWORD if demo else password),
                   language="zh-CN", failed_attempts=0, active=True))
        created.append(username)
    return created, password
