"""telephony: outbound calls, call recordings, operators' queue time

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:00:00

- ``outbound_call``: a call OneStop places, linked to its ticket. An acknowledgement call is
  an outbox row written with the offer it follows up (``assignment_id`` unique: one call per
  offer), leased by the AMI part; a click-to-call is written when the operator asks for it.
- ``call_recording``: a hotline call's MixMonitor file (its name in the recordings folder),
  by the call's uniqueid; ``deleted_at`` when the retention sweep removed it.
- ``operator_activity``: intervals of an operator's talk, wrap-up and pause (with its reason),
  from the AMI events, for the statistics.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbound_call',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('staff_code', sa.String(length=32), nullable=False),
        sa.Column('target', sa.String(length=10), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('requested_by', sa.String(length=50), nullable=False),
        sa.Column('extension', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('action_id', sa.String(length=40), nullable=False),
        sa.Column('uniqueid', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('talk_s', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_outbound_call_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_call')),
        sa.UniqueConstraint('assignment_id', name=op.f('uq_outbound_call_assignment_id')),
    )
    with op.batch_alter_table('outbound_call', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_call_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_call_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_call_action_id'), ['action_id'], unique=False)
    op.create_table(
        'call_recording',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uniqueid', sa.String(length=64), nullable=False),
        sa.Column('file', sa.String(length=120), nullable=False),
        sa.Column('path', sa.String(length=255), nullable=False),
        sa.Column('call_started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_recording')),
        sa.UniqueConstraint('uniqueid', name=op.f('uq_call_recording_uniqueid')),
    )
    with op.batch_alter_table('call_recording', schema=None) as batch_op:
        batch_op.create_index('ix_call_recording_started', ['call_started_at'], unique=False)
    op.create_table(
        'operator_activity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member', sa.String(length=80), nullable=False),
        sa.Column('login', sa.String(length=50), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seconds', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_activity')),
    )
    with op.batch_alter_table('operator_activity', schema=None) as batch_op:
        batch_op.create_index('ix_operator_activity_started', ['started_at'], unique=False)
        batch_op.create_index('ix_operator_activity_member_started', ['member', 'started_at'], unique=False)


def downgrade() -> None:
    op.drop_table('operator_activity')
    op.drop_table('call_recording')
    op.drop_table('outbound_call')
