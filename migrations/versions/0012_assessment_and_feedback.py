"""assessment grades; requester numbers, rating requests, satisfaction campaigns

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00

The lead's 考核 becomes a grade from config/assessment.toml (``ticket.assessment_grade``; the
reasons stay in ``ticket.assessment``). The loop with the people served gets its tables: a
requester's mobile with its opt-out and the day's SMS count (``requester_number``), the "reply
1–5" asked of it (``rating_request``), and satisfaction campaigns with the numbers each asks
(``survey_campaign``, ``campaign_target``).

The new ticket column is added with a server default (existing rows read ""), and dropped on
the way down, with plain ALTER TABLE on SQLite too rather than a copy of the ticket table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ticket', sa.Column('assessment_grade', sa.String(length=16), nullable=False,
                                      server_default=''))
    op.create_table(
        'requester_number',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('opt_out_via', sa.String(length=20), nullable=False),
        sa.Column('day', sa.Date(), nullable=True),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('explained', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_requester_number')),
        sa.UniqueConstraint('number', name=op.f('uq_requester_number_number')))
    op.create_table(
        'survey_campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('audience', sa.String(length=12), nullable=False),
        sa.Column('org_codes', sa.JSON(), nullable=False),
        sa.Column('service_types', sa.JSON(), nullable=False),
        sa.Column('since_days', sa.Integer(), nullable=False),
        sa.Column('quiet_start', sa.String(length=5), nullable=False),
        sa.Column('quiet_end', sa.String(length=5), nullable=False),
        sa.Column('per_hour', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_by', sa.String(length=50), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_campaign')))
    op.create_table(
        'campaign_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('org_code', sa.String(length=32), nullable=False),
        sa.Column('service_type', sa.String(length=20), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('action_id', sa.String(length=40), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['survey_campaign.id'],
                                name=op.f('fk_campaign_target_campaign_id_survey_campaign')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_target')),
        sa.UniqueConstraint('campaign_id', 'number', name=op.f('uq_campaign_target_campaign_id_number')))
    op.create_index('ix_campaign_target_status_due', 'campaign_target', ['status', 'due_at'])
    op.create_table(
        'rating_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('campaign_target_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_rating_request_ticket_id_ticket')),
        sa.ForeignKeyConstraint(['campaign_target_id'], ['campaign_target.id'],
                                name=op.f('fk_rating_request_campaign_target_id_campaign_target')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_request')))
    op.create_index('ix_rating_request_number_asked_at', 'rating_request', ['number', 'asked_at'])
    op.create_index('ix_rating_request_ticket_id', 'rating_request', ['ticket_id'])


def downgrade() -> None:
    op.drop_index('ix_rating_request_ticket_id', table_name='rating_request')
    op.drop_index('ix_rating_request_number_asked_at', table_name='rating_request')
    op.drop_table('rating_request')
    op.drop_index('ix_campaign_target_status_due', table_name='campaign_target')
    op.drop_table('campaign_target')
    op.drop_table('survey_campaign')
    op.drop_table('requester_number')
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a plain column in place; a batch copy of the ticket table would
        # trip the foreign keys that point at it
        op.execute("ALTER TABLE ticket DROP COLUMN assessment_grade")
    else:
        op.drop_column('ticket', 'assessment_grade')
