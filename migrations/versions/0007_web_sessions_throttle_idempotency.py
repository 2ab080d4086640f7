"""web: log-in sessions in the store, log-in throttling, idempotency keys

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00

``web_session``: a log-in is a row (the SHA-256 of the cookie's random token, the user, when
it was made, last used and expires, and when and by whom it was ended), so a log-out holds in
every process and after a restart. ``login_throttle``: failed log-ins per client address, per
name and per (address, name), with the back-off before the next attempt. ``idempotency_key``:
a retried request's first answer, keyed by user and ``Idempotency-Key``.

Downgrade drops the three tables: every session ends (everyone logs in again), throttles and
remembered answers are forgotten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by', sa.String(length=50), nullable=False),
        sa.Column('end_reason', sa.String(length=30), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_web_session_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_session_token_hash')))
    op.create_index(op.f('ix_web_session_user_id'), 'web_session', ['user_id'], unique=False)
    op.create_index(op.f('ix_web_session_expires_at'), 'web_session', ['expires_at'], unique=False)
    op.create_table(
        'login_throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttle')),
        sa.UniqueConstraint('key', name=op.f('uq_login_throttle_key')))
    op.create_index(op.f('ix_login_throttle_last_at'), 'login_throttle', ['last_at'], unique=False)
    op.create_table(
        'idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('route', sa.String(length=200), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('result_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_key_user_id_key')))
    op.create_index(op.f('ix_idempotency_key_created_at'), 'idempotency_key', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_idempotency_key_created_at'), table_name='idempotency_key')
    op.drop_table('idempotency_key')
    op.drop_index(op.f('ix_login_throttle_last_at'), table_name='login_throttle')
    op.drop_table('login_throttle')
    op.drop_index(op.f('ix_web_session_expires_at'), table_name='web_session')
    op.drop_index(op.f('ix_web_session_user_id'), table_name='web_session')
    op.drop_table('web_session')
