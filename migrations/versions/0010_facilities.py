"""facilities: the equipment register and maintenance plans

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-05 07:30:00

- ``equipment``: the equipment register (设备档案), master data imported like locations;
- ``maintenance_plan``: plans (保养计划, 巡检计划) that make a ticket on each due date;
- ``maintenance_run``: the ticket of one plan's due date, unique per (plan, due date) so that
  several sweepers, restarted or racing, make exactly one; with the round's checklist and its
  results.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    _equipment_and_plans()


def downgrade() -> None:
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
