"""webhooks: subscriptions, their deliveries (an outbox) and the event feed's cursor

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:40:00

- ``webhook_subscription``: where a hospital system wants events sent, signed with its secret;
- ``webhook_delivery``: each event for each subscription, leased by the sender like an SMS,
  unique per (subscription, event key) so that a feed read twice makes one delivery;
- ``feed_cursor``: how far the feed reader has read the audit log and the call log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'feed_cursor',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_feed_cursor')))
    op.create_table(
        'webhook_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('personal', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.String(length=50), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription')))
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('event_key', sa.String(length=120), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('occurred_at', _TS, nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', _TS, nullable=False),
        sa.Column('lease_until', _TS, nullable=True),
        sa.Column('worker', sa.String(length=120), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('latency_ms', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('delivered_at', _TS, nullable=True),
        sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'],
                                name=op.f('fk_webhook_delivery_subscription_id_webhook_subscription')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
        sa.UniqueConstraint('subscription_id', 'event_key',
                            name=op.f('uq_webhook_delivery_subscription_id_event_key')))
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_webhook_delivery_subscription_id', ['subscription_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_subscription_id')
        batch_op.drop_index('ix_webhook_delivery_status_due')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_subscription')
    op.drop_table('feed_cursor')
