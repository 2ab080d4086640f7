"""links and photos: room QR codes' and workers' link versions, ticket photos, rate counters,
phone verification codes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00

The room QR codes (扫码报修), the worker's page behind every work-order SMS and the reporter's
status page open through signed links that carry ids only; what a link cannot say by itself is
here: the version a room's codes or a worker's list link are at (raised to revoke them),
the photos a report or a completion brought (the files live under the data directory), the
hits counted against the abuse limits, and the codes that confirm a reporter's phone number.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_grant")),
        sa.UniqueConstraint("kind", "subject", name=op.f("uq_link_grant_kind_subject")),
    )
    op.create_table(
        "ticket_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=50), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_photo_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_photo")),
    )
    op.create_index(op.f("ix_ticket_photo_ticket_id"), "ticket_photo", ["ticket_id"])
    op.create_index(op.f("ix_ticket_photo_uploaded_at"), "ticket_photo", ["uploaded_at"])
    op.create_table(
        "rate_counter",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_counter")),
    )
    op.create_index(op.f("ix_rate_counter_window_start"), "rate_counter", ["window_start"])
    op.create_table(
        "phone_code",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=100), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_phone_code")),
    )


def downgrade() -> None:
    op.drop_table("phone_code")
    op.drop_index(op.f("ix_rate_counter_window_start"), table_name="rate_counter")
    op.drop_table("rate_counter")
    op.drop_index(op.f("ix_ticket_photo_uploaded_at"), table_name="ticket_photo")
    op.drop_index(op.f("ix_ticket_photo_ticket_id"), table_name="ticket_photo")
    op.drop_table("ticket_photo")
    op.drop_table("link_grant")
