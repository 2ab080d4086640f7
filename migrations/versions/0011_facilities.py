"""facilities: the equipment register, maintenance plans, outage notices

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:30:00

- ``equipment``: the equipment register (设备档案), master data imported like locations;
- ``maintenance_plan``: plans (保养计划, 巡检计划) that make a ticket on each due date;
- ``maintenance_run``: the ticket of one plan's due date, unique per (plan, due date) so that
  several sweepers, restarted or racing, make exactly one; with the round's checklist and its
  results;
- ``outage_notice`` and ``notice_recipient``: planned cuts of water, power, gas or network
  (停水停电告知) and each affected department's contacts with the SMS that told them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    _equipment_and_plans()
    _notices()


def downgrade() -> None:
    with op.batch_alter_table('notice_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_recipient_sms_id'))
        batch_op.drop_index(batch_op.f('ix_notice_recipient_notice_id'))
    op.drop_table('notice_recipient')
    with op.batch_alter_table('outage_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_outage_notice_starts_at')
    op.drop_table('outage_notice')
    with op.batch_alter_table('maintenance_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_run_ticket_id'))
    op.drop_table('maintenance_run')
    with op.batch_alter_table('maintenance_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_plan_equipment_code'))
    op.drop_table('maintenance_plan')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_type'))
        batch_op.drop_index(batch_op.f('ix_equipment_location_code'))
    op.drop_table('equipment')


def _equipment_and_plans() -> None:
    op.create_table(
        'equipment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('type', sa.String(length=50), nullable=False),
        sa.Column('location_code', sa.String(length=16), nullable=False),
        sa.Column('supplier_code', sa.String(length=32), nullable=False),
        sa.Column('model', sa.String(length=100), nullable=False),
        sa.Column('serial', sa.String(length=100), nullable=False),
        sa.Column('installed', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment')),
        sa.UniqueConstraint('code', name=op.f('uq_equipment_code')))
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_location_code'), ['location_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_type'), ['type'], unique=False)
    op.create_table(
        'maintenance_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('equipment_code', sa.String(length=32), nullable=False),
        sa.Column('location_code', sa.String(length=16), nullable=False),
        sa.Column('equipment_type', sa.String(length=50), nullable=False),
        sa.Column('service_type', sa.String(length=20), nullable=False),
        sa.Column('skill', sa.String(length=20), nullable=False),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('staff_code', sa.String(length=32), nullable=False),
        sa.Column('unit', sa.String(length=8), nullable=False),
        sa.Column('every', sa.Integer(), nullable=False),
        sa.Column('dates', sa.JSON(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('active_from', sa.Date(), nullable=False),
        sa.Column('lead_days', sa.Integer(), nullable=False),
        sa.Column('grace_days', sa.Integer(), nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('updated_at', _TS, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_plan')),
        sa.UniqueConstraint('code', name=op.f('uq_maintenance_plan_code')))
    with op.batch_alter_table('maintenance_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_plan_equipment_code'), ['equipment_code'],
                              unique=False)
    op.create_table(
        'maintenance_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('results', sa.JSON(), nullable=False),
        sa.Column('checked_by', sa.String(length=50), nullable=False),
        sa.Column('checked_at', _TS, nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['maintenance_plan.id'],
                                name=op.f('fk_maintenance_run_plan_id_maintenance_plan')),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_maintenance_run_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_run')),
        sa.UniqueConstraint('plan_id', 'due_date', name=op.f('uq_maintenance_run_plan_id_due_date')))
    with op.batch_alter_table('maintenance_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_run_ticket_id'), ['ticket_id'], unique=False)


def _notices() -> None:
    op.create_table(
        'outage_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('starts_at', _TS, nullable=False),
        sa.Column('ends_at', _TS, nullable=False),
        sa.Column('send_at', _TS, nullable=False),
        sa.Column('scope', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_by', sa.String(length=50), nullable=False),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('cancelled_at', _TS, nullable=True),
        sa.Column('cancel_reason', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_notice')))
    with op.batch_alter_table('outage_notice', schema=None) as batch_op:
        batch_op.create_index('ix_outage_notice_starts_at', ['starts_at'], unique=False)
    op.create_table(
        'notice_recipient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('org_code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('staff_code', sa.String(length=32), nullable=False),
        sa.Column('sms_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['notice_id'], ['outage_notice.id'],
                                name=op.f('fk_notice_recipient_notice_id_outage_notice')),
        sa.ForeignKeyConstraint(['sms_id'], ['sms_outbox.id'], name=op.f('fk_notice_recipient_sms_id_sms_outbox')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_recipient')),
        sa.UniqueConstraint('notice_id', 'org_code', 'number',
                            name=op.f('uq_notice_recipient_notice_id_org_code_number')))
    with op.batch_alter_table('notice_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_recipient_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_recipient_sms_id'), ['sms_id'], unique=False)
