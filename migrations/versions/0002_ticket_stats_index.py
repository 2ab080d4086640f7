"""ticket: covering index for the statistics summary

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:40:00

``stats.summary`` reads a period's tickets from this index alone (created_at first, then every
column it aggregates), instead of one random ticket-row read per ticket.
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "status", "service_type", "org_code", "location_code", "assignee",
           "operator", "response_s", "completion_s", "response_met", "completion_met",
           "satisfaction", "done_at"]


def upgrade() -> None:
    op.create_index("ix_ticket_stats", "ticket", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_stats", table_name="ticket")
