"""ticket search: each ticket's text in pieces, indexed for Chinese substrings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:30:00

``ticket_search`` holds each ticket's searchable text (``ticketing.search``) in pieces: the
first (id = ticket × 1024) its description, reporter, location and department names, then one
per note, worker's SMS reply and call-back comment (× 1024 + 1, + 2…; the last takes any beyond
1024). SQLite indexes it with an FTS5 table using the trigram tokenizer (``ticket_fts``,
external content: it keeps the index, not a second copy of the text) and three triggers that
keep it in step with every insert, update and delete; PostgreSQL with a GIN index of
``pg_trgm`` (the extension is created if missing: it is in Debian's postgresql package, and a
trusted extension, which the database's owner may create).

Upgrade fills the pieces of the tickets already there, a few thousand at a time, before the
index is built in one go. The pieces are made here as the application made them when this
revision was written (the reading is repeated rather than imported, so that this revision keeps
doing what it did when the application's code moves on).

Downgrade drops the index and the table (the extension stays: something else may use it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

MAX_BODY = 16_000
PIECES = 1024
QUIET = ('callback', 'dispatch', 'link_call', 'reprint', 'resend', 'start', 'worker_accept')
CHUNK = 2_000


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == 'postgresql'
    op.create_table(
        'ticket_search',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False,
                  nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_search_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_search')))
    _fill(bind, pg)
    if pg:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_ticket_search_body_trgm ON ticket_search USING gin (body gin_trgm_ops)')
        return
    op.execute("CREATE VIRTUAL TABLE ticket_fts USING fts5(body, content='ticket_search',"
               " content_rowid='id', tokenize='trigram')")
    op.execute("INSERT INTO ticket_fts (ticket_fts) VALUES ('rebuild')")
    # one segment, merged to the top: the commands' small writes never merge into a big one
    op.execute("INSERT INTO ticket_fts (ticket_fts) VALUES ('optimize')")
    op.execute('CREATE TRIGGER ticket_search_ai AFTER INSERT ON ticket_search BEGIN'
               ' INSERT INTO ticket_fts (rowid, body) VALUES (new.id, new.body); END')
    op.execute('CREATE TRIGGER ticket_search_ad AFTER DELETE ON ticket_search BEGIN'
               " INSERT INTO ticket_fts (ticket_fts, rowid, body) VALUES ('delete', old.id, old.body);"
               ' END')
    op.execute('CREATE TRIGGER ticket_search_au AFTER UPDATE ON ticket_search BEGIN'
               " INSERT INTO ticket_fts (ticket_fts, rowid, body) VALUES ('delete', old.id, old.body);"
               ' INSERT INTO ticket_fts (rowid, body) VALUES (new.id, new.body); END')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_ticket_search_body_trgm')
    else:
        for trigger in ('ticket_search_ai', 'ticket_search_ad', 'ticket_search_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS ticket_fts')
    op.drop_table('ticket_search')


def _fill(bind: Any, pg: bool) -> None:
    def fetch(sql: str, params: Sequence[Any]) -> Sequence[Any]:
        return bind.exec_driver_sql(sql.replace('?', '%s') if pg else sql, tuple(params)).fetchall()

    note = "(after ->> 'note')" if pg else "json_extract(after, '$.note')"
    top = bind.exec_driver_sql('SELECT max(id) FROM ticket').scalar() or 0
    insert = 'INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)'
    for lo in range(1, top + 1, CHUNK):
        hi = lo + CHUNK - 1
        tickets = fetch(
            'SELECT t.id, t.description, t.reporter_name, t.reporter_phone, t.location_code,'
            ' l.campus, l.building, l.floor, l.room, l.name, o.name, t.satisfaction_comment'
            ' FROM ticket t LEFT JOIN location l ON l.code = t.location_code'
            ' LEFT JOIN org_unit o ON o.code = t.org_code WHERE t.id BETWEEN ? AND ? ORDER BY t.id',
            (lo, hi))
        if not tickets:
            continue
        lines: dict[int, list[str]] = {}
        keys = [str(r[0]) for r in tickets]
        for key, text in fetch(
                f"SELECT entity_key, {note} FROM audit_log WHERE entity = 'ticket'"
                f" AND entity_key IN ({', '.join('?' for _ in keys)})"
                f" AND action NOT IN ({', '.join('?' for _ in QUIET)}) AND {note} IS NOT NULL ORDER BY id",
                (*keys, *QUIET)):
            lines.setdefault(int(key), []).append(str(text))
        for tid, text in fetch('SELECT ticket_id, text FROM sms_inbox WHERE ticket_id BETWEEN ? AND ?'
                               ' AND reason <> ? ORDER BY id', (lo, hi, 'unknown sender')):
            lines.setdefault(int(tid), []).append(str(text))
        rows = []
        for tid, desc, name, phone, code, campus, building, floor, room, lname, org, comment in tickets:
            place = (campus, building, floor, room, lname) if campus is not None else ()
            where = ' '.join(str(p) for p in (code, *place, org or '') if p)
            head = '\n'.join(x for x in (desc, f'{name} {phone}'.strip(), where) if x)
            rows.append((tid * PIECES, tid, head[:MAX_BODY]))
            texts = [' '.join(x.split())[:MAX_BODY] for x in (*lines.get(tid, ()), comment or '')]
            texts = [x for x in texts if x]
            if len(texts) > PIECES - 1:
                texts[PIECES - 2:] = ['\n'.join(texts[PIECES - 2:])[:MAX_BODY]]
            rows += [(tid * PIECES + n, tid, x) for n, x in enumerate(texts, 1)]
        bind.exec_driver_sql(insert.replace('?', '%s') if pg else insert, rows)
