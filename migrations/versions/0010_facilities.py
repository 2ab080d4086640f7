"""facilities: the equipment register

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-05 07:30:00

- ``equipment``: the equipment register (设备档案), master data imported like locations.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    _equipment()


def downgrade() -> None:
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_type'))
        batch_op.drop_index(batch_op.f('ix_equipment_location_code'))
    op.drop_table('equipment')


def _equipment() -> None:
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
