from django.db import migrations

# Every character and every adjacent pair of characters of a text, leaving out those with a space
# (a folded text has no other whitespace: members.i18n.fold), as a tsvector: the gram index of
# each searchable table is built on it (members/search.py). Linear in the text (a window over its
# characters; substr() in a loop is quadratic in UTF-8). IMMUTABLE so that an expression index may
# use it. COST: about 2 ms for a text of 600 characters, so the planner reads the index rather
# than computing it for every row of a scan.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_grams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
  SELECT array_to_tsvector(array(
    SELECT g FROM (SELECT c, c || lead(c, 1, ' ') OVER (ORDER BY n) AS pair
                   FROM unnest(string_to_array(t, NULL)) WITH ORDINALITY AS chars(c, n)) AS s,
         LATERAL (VALUES (c), (pair)) AS grams(g)
    WHERE strpos(g, ' ') = 0))
$$
"""
CREATE = "CREATE INDEX IF NOT EXISTS members_institution_search_grams ON members_institution USING gin (search_grams(search_text))"
DROP = "DROP INDEX IF EXISTS members_institution_search_grams"


def forwards(apps, schema_editor):
    # SQLite has no tsvector: it answers a search by scanning (members/search.py).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute("DROP FUNCTION IF EXISTS search_grams(text)")


class Migration(migrations.Migration):
    """The gram function and the directory's gram index: a name search of one or two characters
    (信州, 東北) uses an index, which pg_trgm cannot do below three."""

    dependencies = [("members", "0014_affiliation_message_length")]

    operations = [migrations.RunPython(forwards, backwards)]
