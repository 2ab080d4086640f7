"""ticket timeline: read from audit_log; drop ticket_event

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 22:30:00

Every step of a ticket was written twice, as a ``ticket_event`` row (the timeline the desk
shows) and as an ``audit_log`` row (who, when, before → after): two append-only logs of the
same facts, and on SQLite two more b-trees (table and index) in every command's commit, ~6.5
of a lifecycle's 48 WAL frames. The timeline is now read from the audit rows
(``ticketing.views.timeline``).

Upgrade: the steps that had only a timeline row (reprint, resend, link_call, merged_in,
approval_requested, a release that leaves other workers on the ticket) are copied into the
audit log with their time, actor and note; then the table goes. A step that has its audit row
(same ticket, time and action; an ``accept`` is the audit's ``create``) is not copied twice, so
upgrading after a downgrade adds nothing.

Downgrade: ``ticket_event`` is rebuilt from the tickets' audit rows as the timeline reads them
(statuses carried from row to row; the reading is repeated here rather than imported, so that
this revision keeps doing what it did when the application's code moves on). The audit log is
append-only: the rows the upgrade copied stay.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    note = "json_build_object('note', e.note)" if bind.dialect.name == "postgresql" else "json_object('note', e.note)"
    bind.execute(sa.text(
        'INSERT INTO audit_log ("at", actor, entity, entity_key, action, "before", "after")'
        f" SELECT e.at, e.actor, 'ticket', CAST(e.ticket_id AS VARCHAR(50)), e.action, NULL, {note}"
        " FROM ticket_event e WHERE NOT EXISTS (SELECT 1 FROM audit_log a"
        "  WHERE a.entity = 'ticket' AND a.entity_key = CAST(e.ticket_id AS VARCHAR(50))"
        "  AND a.at = e.at"
        "  AND a.action = CASE WHEN e.action = 'accept' THEN 'create' ELSE e.action END)"
        " ORDER BY e.id"))
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_event_ticket_id'))
    op.drop_table('ticket_event')


def downgrade() -> None:
    op.create_table(
        'ticket_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('from_status', sa.String(length=16), nullable=False),
        sa.Column('to_status', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=50), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_event_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_event')))
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_event_ticket_id'), ['ticket_id'], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        'SELECT a.entity_key, a.at, a.actor, a.action, a."before", a."after" FROM audit_log a'
        " JOIN ticket t ON CAST(t.id AS VARCHAR(50)) = a.entity_key"
        " WHERE a.entity = 'ticket' ORDER BY t.id, a.at, a.id"))
    batch: list[dict[str, Any]] = []
    ticket, status = None, ""
    for key, at, actor, action, before, after in rows:
        if key != ticket:
            ticket, status = key, ""
        before, after = _json(before), _json(after)
        if action == "create":
            action, from_status, note = "accept", "", str(after.get("source", ""))
        else:
            from_status = before.get("status", status)
            note = str(after["note"]) if "note" in after else (
                ", ".join(sorted(after)) if action == "edit" else "")
        status = after.get("status", status)
        batch.append({"ticket_id": int(key), "at": at, "action": action[:20], "from_status": from_status,
                      "to_status": status, "actor": actor, "note": note})
        if len(batch) >= 5000:
            _insert(bind, batch)
            batch = []
    if batch:
        _insert(bind, batch)


def _insert(bind: Any, rows: list[dict[str, Any]]) -> None:
    # plain text binds: ``at`` goes back as it was read (SQLite's stored text, PostgreSQL's value)
    bind.execute(sa.text("INSERT INTO ticket_event (ticket_id, \"at\", action, from_status, to_status, actor, note)"
                         " VALUES (:ticket_id, :at, :action, :from_status, :to_status, :actor, :note)"), rows)


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):  # SQLite: JSON as text
        value = json.loads(value)
    return value if isinstance(value, dict) else {}
