"""stock ledger, labour cost, the kitchen's production summary

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:00:00

Spare parts get a stock ledger: documents (``stock_doc``: receipt, issue, return, adjustment;
who, when, why) with lines (``stock_line``: part, change, unit cost, stock after), back-orders
a completion records explicitly when it used more than was on hand (``stock_backorder``) and
low-stock alerts (``stock_alert``, raised once per crossing of ``spare_part.min_stock``).
``ticket_part`` keeps the unit cost a part was used at and how many were back-ordered;
``assignment`` the labour booked when the work was done (time and cost at the rate of the
worker's grade or skill); ``staff.grade`` names that grade. ``kitchen_run`` holds each
meal's production summary (备餐单), one per meal and day (unique).

Existing parts' stock had no documents: the upgrade books what each part holds as an opening
balance (one receipt, ``reason = "opening balance"``), so the ledger adds up to the stock.
The downgrade drops the new tables and columns (the stock column keeps its value).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('spare_part', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_stock', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('reorder_qty', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade', sa.String(length=20), nullable=False, server_default=''))
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('labour_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('labour_cost', sa.Numeric(precision=12, scale=2), nullable=True))
    with op.batch_alter_table('ticket_part', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_cost', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('backordered', sa.Integer(), nullable=False, server_default='0'))

    op.create_table('stock_doc',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('supplier_code', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=50), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_stock_doc_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_doc'))
    )
    with op.batch_alter_table('stock_doc', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_doc_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_doc_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('stock_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('part_code', sa.String(length=32), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('stock_after', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['doc_id'], ['stock_doc.id'], name=op.f('fk_stock_line_doc_id_stock_doc')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_line'))
    )
    with op.batch_alter_table('stock_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_line_doc_id'), ['doc_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_line_part_code'), ['part_code'], unique=False)

    op.create_table('stock_backorder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('part_code', sa.String(length=32), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=50), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('doc_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_stock_backorder_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_backorder'))
    )
    with op.batch_alter_table('stock_backorder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_backorder_part_code'), ['part_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_backorder_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('stock_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('min_stock', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_alert'))
    )
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_alert_part_code'), ['part_code'], unique=False)

    op.create_table('kitchen_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('menu_date', sa.Date(), nullable=False),
    sa.Column('meal', sa.String(length=10), nullable=False),
    sa.Column('cutoff_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('print_job_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kitchen_run')),
    sa.UniqueConstraint('menu_date', 'meal', name=op.f('uq_kitchen_run_menu_date_meal'))
    )
    _opening_balances()


def _opening_balances() -> None:
    """One receipt holding every part's stock as it was, valued at its price."""
    bind = op.get_bind()
    parts = bind.execute(sa.text("SELECT code, stock, price FROM spare_part WHERE stock <> 0 ORDER BY code")).all()
    if not parts:
        return
    now = datetime.now(UTC)
    at = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    doc = sa.table('stock_doc', sa.column('id', sa.Integer), sa.column('kind'), sa.column('ticket_id'),
                   sa.column('supplier_code'), sa.column('ref'), sa.column('reason'), sa.column('actor'),
                   sa.column('at'))
    doc_id = bind.execute(doc.insert().values(kind="receipt", ticket_id=None, supplier_code="", ref="",
                                              reason="opening balance", actor="migration", at=at)
                          .returning(doc.c.id)).scalar_one()
    line = sa.table('stock_line', sa.column('doc_id'), sa.column('part_code'), sa.column('qty'),
                    sa.column('unit_cost'), sa.column('stock_after'))
    bind.execute(line.insert(), [{"doc_id": doc_id, "part_code": code, "qty": stock, "unit_cost": price,
                                  "stock_after": stock} for code, stock, price in parts])


def downgrade() -> None:
    op.drop_table('kitchen_run')
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_alert_part_code'))
    op.drop_table('stock_alert')
    with op.batch_alter_table('stock_backorder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_backorder_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_stock_backorder_part_code'))
    op.drop_table('stock_backorder')
    with op.batch_alter_table('stock_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_line_part_code'))
        batch_op.drop_index(batch_op.f('ix_stock_line_doc_id'))
    op.drop_table('stock_line')
    with op.batch_alter_table('stock_doc', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_doc_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_stock_doc_at'))
    op.drop_table('stock_doc')
    with op.batch_alter_table('ticket_part', schema=None) as batch_op:
        batch_op.drop_column('backordered')
        batch_op.drop_column('unit_cost')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('labour_cost')
        batch_op.drop_column('labour_s')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('grade')
    with op.batch_alter_table('spare_part', schema=None) as batch_op:
        batch_op.drop_column('reorder_qty')
        batch_op.drop_column('min_stock')
