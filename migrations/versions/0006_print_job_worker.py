"""print_job: the printer worker holding the lease, the unconfirmed send, the reprint mark

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 06:30:00

A process that died between sending a slip and marking it printed left the job ``printing``
until its lease ran out (two minutes), and then printed it again with nothing to say it was
the same slip. Now:

- ``worker``: who holds the lease, a stable name (the printer and the host), so a process
  that restarts takes its own ``printing`` jobs again at once;
- ``sent_at``: when the last attempt started sending; set before the first byte goes out,
  cleared when the printer refused the attempt;
- ``reprint``: the job was claimed again while an attempt was still unconfirmed (``sent_at``
  set): the slip prints with a 补打 / REPRINT mark and its ticket's timeline says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reprint', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_column('reprint')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('worker')
