"""webhook formats: a subscription's message format (the generic signed JSON or a chat bot's)
and the language of a chat bot's messages

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 16:00:00

- ``webhook_subscription.format``: generic (the signed JSON, as before: every existing
  subscription keeps it), wecom, dingtalk, dingtalk_text, feishu or feishu_text;
- ``webhook_subscription.language``: zh-CN (the default) or en, the words of a chat message.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=20), nullable=False, server_default='generic'))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='zh-CN'))


def downgrade() -> None:
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('format')
