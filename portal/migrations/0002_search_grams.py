"""PostgreSQL only: the ``grams`` column of ``portal_searchentry`` and its GIN index.

``grams`` holds every character and every pair of adjacent characters (bigram) of each
whitespace-separated word of ``text``, plus the facet ``terms``, as ``tsvector`` lexemes taken
verbatim (``array_to_tsvector``: no parser, no dictionary, so Chinese needs no segmentation). A query
word of n ≥ 2 characters needs all its bigrams, one of 1 character its character; the database backend
then confirms the exact substring (docs/portal.md, Search). A facet term is at least three characters
(``c=12``), so it never equals a character or a bigram. On SQLite there is no such column: the
backend scans ``text`` and ``terms`` with ``LIKE``.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

FORWARD = [
    r"""
    CREATE OR REPLACE FUNCTION portal_search_grams(t text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT array_to_tsvector(coalesce(array_agg(g), '{}')) FROM (
        SELECT unnest(string_to_array(w, NULL)) AS g FROM regexp_split_to_table(t, '\s+') AS w
        UNION ALL
        SELECT (regexp_matches(w, '..', 'g'))[1] FROM regexp_split_to_table(t, '\s+') AS w
        UNION ALL
        SELECT (regexp_matches(substr(w, 2), '..', 'g'))[1] FROM regexp_split_to_table(t, '\s+') AS w
      ) AS s WHERE g <> ''
    $$
    """,
    """
    ALTER TABLE portal_searchentry ADD COLUMN grams tsvector GENERATED ALWAYS AS (
      portal_search_grams(text) || array_to_tsvector(array_remove(string_to_array(terms, ' '), ''))
    ) STORED
    """,
    # Lexeme statistics for 10,000 lexemes instead of 1,000: the database backend reads them to tell
    # rare words (GIN index) from common ones (date index), docs/portal.md.
    "ALTER TABLE portal_searchentry ALTER COLUMN grams SET STATISTICS 1000",
    "CREATE INDEX portal_search_grams_idx ON portal_searchentry USING gin (grams) WITH (fastupdate = off)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS portal_search_grams_idx",
    "ALTER TABLE portal_searchentry DROP COLUMN IF EXISTS grams",
    "DROP FUNCTION IF EXISTS portal_search_grams(text)",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
