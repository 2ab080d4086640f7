"""ticket search: SQLite indexes each piece with a line end after it and lists its terms; the notes of an SMS to the requester leave the text

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 19:00:00

A term of two characters has no trigram of its own, and was a ``LIKE`` over the pieces newest
first: a read of every piece for a rare pair. But each occurrence of a pair starts a trigram
of the index (漏水 in 漏水了, 漏水，), but for one at a piece's very end. So the index now
takes each piece with a line end after it (漏水 at the end: the trigram 漏水 and the line end),
read through the view ``ticket_fts_text`` (``ticket_search``'s pieces, each with ``char(10)``
after it): the index's external content, so that FTS5's own ``rebuild`` and
``integrity-check`` read what it indexes. ``ticket_fts_terms`` (``fts5vocab``) lists the
index's terms: those from 漏水 up to the next pair are the trigrams that start with it, and a
``MATCH`` of them all gives the pair's pieces newest first (``ticketing.search``).

The index is built anew from the view, as 0009 built it; the pieces listed for the catch-up
(0013) are in it then, and the list is emptied. The triggers take a deleted or changed piece
out with the same line end after its text.

On both engines the pieces that were the system's notes of an SMS to the requester (sent, or
not and why) are deleted: they are no longer searched, as a dispatch's or a resend's notes are
not (``ticketing.search.QUIET_NOTES``), and the commands no longer write them. PostgreSQL's
index is otherwise as it was.

Downgrade builds the index as 0009 made it (the pieces' text alone) with 0013's triggers; the
deleted pieces stay deleted (the audit log keeps the notes).
"""

from __future__ import annotations

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_TRIGGERS = ('ticket_search_ai', 'ticket_search_ad', 'ticket_search_au')
_UNLISTED = 'NOT EXISTS (SELECT 1 FROM ticket_fts_pending WHERE id = old.id)'


def _listed(old_text: str) -> tuple[str, ...]:
    """0013's triggers, the indexed text of an old piece being ``old_text``."""
    return (
        'CREATE TRIGGER ticket_search_ai AFTER INSERT ON ticket_search BEGIN'
        ' INSERT OR IGNORE INTO ticket_fts_pending (id) VALUES (new.id); END',
        'CREATE TRIGGER ticket_search_ad AFTER DELETE ON ticket_search BEGIN'
        f" INSERT INTO ticket_fts (ticket_fts, rowid, body) SELECT 'delete', old.id, {old_text}"
        f' WHERE {_UNLISTED}; DELETE FROM ticket_fts_pending WHERE id = old.id; END',
        'CREATE TRIGGER ticket_search_au AFTER UPDATE ON ticket_search BEGIN'
        f" INSERT INTO ticket_fts (ticket_fts, rowid, body) SELECT 'delete', old.id, {old_text}"
        f' WHERE {_UNLISTED}; INSERT OR IGNORE INTO ticket_fts_pending (id) VALUES (new.id); END')


# the notes the system wrote of an SMS to the requester (sent, or not and why): no longer
# searched (``ticketing.search.QUIET_NOTES``), as the commands no longer write them
_REQUESTER_NOTES = ("body IN ('SMS to the requester: dispatch', 'SMS to the requester: done')"
                    " OR body LIKE 'no SMS to the requester (dispatch): %'"
                    " OR body LIKE 'no SMS to the requester (done): %'")


def _build(content: str, old_text: str, tidy: str = '') -> None:
    """The index anew over ``content``: every piece in it, none listed, the triggers after
    (``tidy``: a statement run on the pieces before, with no trigger)."""
    for name in _TRIGGERS:
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    if tidy:
        op.execute(tidy)
    op.execute('DROP TABLE IF EXISTS ticket_fts_terms')
    op.execute('DROP TABLE ticket_fts')
    op.execute(f"CREATE VIRTUAL TABLE ticket_fts USING fts5(body, content='{content}',"
               " content_rowid='id', tokenize='trigram')")
    op.execute("INSERT INTO ticket_fts (ticket_fts) VALUES ('rebuild')")
    # one segment, merged to the top: the catch-up's small writes never merge into a big one
    op.execute("INSERT INTO ticket_fts (ticket_fts) VALUES ('optimize')")
    op.execute('DELETE FROM ticket_fts_pending')  # the rebuild took them
    for sql in _listed(old_text):
        op.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.execute(f'DELETE FROM ticket_search WHERE {_REQUESTER_NOTES}')
        return
    op.execute('CREATE VIEW ticket_fts_text (id, body) AS SELECT id, body || char(10) FROM ticket_search')
    _build('ticket_fts_text', 'old.body || char(10)', f'DELETE FROM ticket_search WHERE {_REQUESTER_NOTES}')
    op.execute('CREATE VIRTUAL TABLE ticket_fts_terms USING fts5vocab(ticket_fts, row)')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    _build('ticket_search', 'old.body')
    op.execute('DROP VIEW ticket_fts_text')
