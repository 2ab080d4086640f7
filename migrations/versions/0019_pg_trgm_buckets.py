"""ticket search: PostgreSQL's trigram index keyed first by a piece's bucket of 4,096 tickets

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 21:30:00

``pg_trgm``'s GIN index gives a term's matches in no order, and a search wants the newest: for
a term too common for all its matches to be read (a few thousand pieces over a million
tickets), the search asks for them in windows of ids, newest first. The planner ANDed a
window's range of the primary key with the index's matches only for small windows (it
estimates every ``LIKE '%…%'`` at a few hundred rows); past that, every match in the store
was read from the heap and checked, and the range of the primary key itself cost ~60 ns a
piece. The index now has a piece's bucket, ``id >> 22`` (a ticket's pieces are ticket × 1024
…, so 4,096 tickets), as its first column (``btree_gin``, a trusted extension in PostgreSQL's
contrib), and the search asks for a window's buckets one by one (``bucket = b AND body LIKE
…``): the index's own lists give the window's matches, and only they are read and checked.
The index serves a term alone as before (the newest pieces first, then every match of a rare
term). It replaces ``ix_ticket_search_body_trgm``; over a million tickets it is 194 MB
against 187 MB, built in ~70 s on a 2-core machine.

SQLite: nothing (FTS5 gives its matches newest first). Downgrade builds the former index and
drops this one (the extension stays).
"""

from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS btree_gin')
    op.execute('CREATE INDEX ix_ticket_search_bucket_trgm ON ticket_search'
               ' USING gin ((id >> 22), body gin_trgm_ops)')
    op.execute('DROP INDEX IF EXISTS ix_ticket_search_body_trgm')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE INDEX ix_ticket_search_body_trgm ON ticket_search USING gin (body gin_trgm_ops)')
    op.execute('DROP INDEX IF EXISTS ix_ticket_search_bucket_trgm')
