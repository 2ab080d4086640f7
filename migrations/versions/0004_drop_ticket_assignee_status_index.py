"""ticket: drop ix_ticket_assignee_status (no query leads with the assignee)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:00:00

A worker's open work is read through ``assignment`` (indexed by staff and ticket), statistics by
worker from the covering ``ix_ticket_stats``; nothing filters tickets by ``assignee`` first. Yet
every step that moves a ticket (accept, dispatch, done…) rewrote this index's entries: about 4
of a lifecycle's 52 WAL frames on SQLite, and an index update per step on PostgreSQL.
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_assignee_status", table_name="ticket")


def downgrade() -> None:
    op.create_index("ix_ticket_assignee_status", "ticket", ["assignee", "status"], unique=False)
