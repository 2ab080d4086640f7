"""ticket search: an index of two-character pieces on PostgreSQL, for terms of two characters

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 19:00:00

``pg_trgm`` has no trigram for a term of two characters (漏水, 冒烟): its index cannot serve
them, and a rare pair was a read of every piece newest first. ``ticket_search_pairs(body)``
gives every two characters in a row of a piece's text, lower-cased, as ``text[]`` (with a
few keys no term asks for: the last single character, an empty string, pairs across a space
or a line's end); a GIN index of that expression (``ix_ticket_search_pairs``) finds the
pieces holding a pair (``ticket_search_pairs(body) @> ARRAY[lower('漏水')]``), which the
search then checks with ``LIKE`` as it checks the trigram index's. The function is one
expression of built-in functions (two ``regexp_replace`` over the text and its second
character on, split into pairs), so the server inlines it: ~30 µs for a ticket's first piece,
where a loop over the characters took five times that.

SQLite: nothing (0017 has its trigram FTS5 index serve pairs). Downgrade drops the index and
the function.
"""

from __future__ import annotations

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# \x01 between pairs: the pairs of a text holding one are all there but those with the \x01
# itself, which no search asks for (a term with a control character is never looked up here)
FUNCTION = r"""CREATE FUNCTION ticket_search_pairs(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT array_cat(
    string_to_array(regexp_replace(lower(body), '(..)', E'\\1\x01', 'g'), E'\x01'),
    string_to_array(regexp_replace(substr(lower(body), 2), '(..)', E'\\1\x01', 'g'), E'\x01'))
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FUNCTION)
    op.execute('CREATE INDEX ix_ticket_search_pairs ON ticket_search USING gin (ticket_search_pairs(body))')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_ticket_search_pairs')
    op.execute('DROP FUNCTION IF EXISTS ticket_search_pairs(text)')
