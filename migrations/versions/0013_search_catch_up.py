"""ticket search: SQLite's index catches up in batches

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00

A command that wrote a piece of a ticket's text also wrote the piece's trigrams into the FTS5
index, ~150 µs a piece (a new segment of the index, its pages in the WAL, merges): a quarter of
a lifecycle's cost when each note and reply is a piece. Now a new or changed piece is listed in
``ticket_fts_pending`` by the triggers (a row of one integer), and the store's maintenance
thread moves the listed pieces into the index a few hundred at a time
(``ticketing.search.catch_up``), as PostgreSQL's GIN index does with its pending list. A
search reads the index and the listed pieces both (these by ``LIKE``: there are few), so it
finds a piece the moment its command commits. A deleted or changed piece still leaves the
index in its own command (the old text is needed to take its trigrams out), unless it was
still listed.

PostgreSQL: nothing changes (its GIN index has ``fastupdate`` on by default).

Downgrade moves the listed pieces into the index, drops the list and puts back the triggers
that index each piece at once.
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_IMMEDIATE = (
    'CREATE TRIGGER ticket_search_ai AFTER INSERT ON ticket_search BEGIN'
    ' INSERT INTO ticket_fts (rowid, body) VALUES (new.id, new.body); END',
    'CREATE TRIGGER ticket_search_ad AFTER DELETE ON ticket_search BEGIN'
    " INSERT INTO ticket_fts (ticket_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    'CREATE TRIGGER ticket_search_au AFTER UPDATE ON ticket_search BEGIN'
    " INSERT INTO ticket_fts (ticket_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    ' INSERT INTO ticket_fts (rowid, body) VALUES (new.id, new.body); END')

_UNLISTED = 'NOT EXISTS (SELECT 1 FROM ticket_fts_pending WHERE id = old.id)'
_LISTED = (
    'CREATE TRIGGER ticket_search_ai AFTER INSERT ON ticket_search BEGIN'
    ' INSERT OR IGNORE INTO ticket_fts_pending (id) VALUES (new.id); END',
    'CREATE TRIGGER ticket_search_ad AFTER DELETE ON ticket_search BEGIN'
    f" INSERT INTO ticket_fts (ticket_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE {_UNLISTED};"
    ' DELETE FROM ticket_fts_pending WHERE id = old.id; END',
    'CREATE TRIGGER ticket_search_au AFTER UPDATE ON ticket_search BEGIN'
    f" INSERT INTO ticket_fts (ticket_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE {_UNLISTED};"
    ' INSERT OR IGNORE INTO ticket_fts_pending (id) VALUES (new.id); END')


def _triggers(create: tuple[str, ...]) -> None:
    for name in ('ticket_search_ai', 'ticket_search_ad', 'ticket_search_au'):
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    for sql in create:
        op.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute('CREATE TABLE ticket_fts_pending (id INTEGER NOT NULL PRIMARY KEY)')
    _triggers(_LISTED)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute('INSERT INTO ticket_fts (rowid, body) SELECT s.id, s.body FROM ticket_fts_pending p'
               ' JOIN ticket_search s ON s.id = p.id')
    _triggers(_IMMEDIATE)
    op.execute('DROP TABLE ticket_fts_pending')
