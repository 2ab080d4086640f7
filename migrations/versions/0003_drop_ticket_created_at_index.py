"""ticket: drop ix_ticket_created_at (ix_ticket_stats leads with created_at)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:55:00

Every ticket insert wrote both indexes; range scans and "newest first" on created_at use the
covering ``ix_ticket_stats`` as well. One index page less in every accepted ticket's commit.
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_created_at", table_name="ticket")


def downgrade() -> None:
    op.create_index("ix_ticket_created_at", "ticket", ["created_at"], unique=False)
