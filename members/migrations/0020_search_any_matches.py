from django.db import migrations

# The newest rows holding ANY of some words, for the candidates of a need's suggestions
# (working_groups/cooperation/selectors.py ``_candidates``): ``search_any_matches(tbl, q, lim, grams,
# words)`` gives the ids of the ``lim`` newest rows whose stored grams match ``q`` (the words' grams,
# OR between words), newest (highest id) first.
#
# Why: as one condition of the query ("grams @@ q ORDER BY id DESC LIMIT 60") PostgreSQL walked the
# table newest first testing each row's grams, expecting a few thousand matches; when the words are
# in no row (a need's title 自社製品の宣伝への協力 against 200,000 initiatives) it read every row:
# 1.2 s for the initiatives, 0.1 s for 50,000 expertise entries, on the first view of a need page.
# The walk is the right plan only for common words. So the statistics decide, as in 0018: a word's
# share of rows is the product of its grams' frequencies among the column's most common elements (a
# gram not among them: rare), and the query's share is its most common word's (OR). The walk reads
# about lim / share rows, the index about share * rows: the walk when share * share * rows > lim,
# otherwise a bitmap scan of the gram index (no row read that does not match) and a sort of the
# matches by id. Each branch forces its plan: the planner's own guess is what went wrong.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_any_matches(tbl regclass, q tsquery, lim integer, grams text[], words integer[])
RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_indexscan = on SET enable_bitmapscan = on
AS $$
DECLARE
  ids bigint[];
  share double precision;
  total double precision;
BEGIN
  SELECT max(per_word.f) INTO share
    FROM (SELECT g.w, exp(greatest(sum(ln(greatest(coalesce(m.f, 0), 1e-9))), -700)) AS f
            FROM unnest(grams, words) AS g(e, w)
            LEFT JOIN (SELECT e, f
                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                                        AND s.attname = 'search_grams_tsv',
                         unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS mce(e, f)
                        WHERE c.oid = tbl) AS m ON m.e = g.e
           GROUP BY g.w) AS per_word;
  SELECT greatest(reltuples, 0) INTO total FROM pg_class WHERE oid = tbl;
  IF coalesce(share, 0) * coalesce(share, 0) * total > lim THEN
    PERFORM set_config('enable_bitmapscan', 'off', true);  -- restored when the function returns
  ELSE
    PERFORM set_config('enable_indexscan', 'off', true);
  END IF;
  EXECUTE format('SELECT array(SELECT id FROM %s WHERE search_grams_tsv @@ $1 ORDER BY id DESC LIMIT $2)', tbl)
    INTO ids USING q, lim;
  RETURN ids;
END
$$
"""


def forwards(apps, schema_editor):
    # SQLite has no tsvector: the candidates are found by a substring test there.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # no parameters: its % are format()'s


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS "
                              "search_any_matches(regclass, tsquery, integer, text[], integer[])")


class Migration(migrations.Migration):
    """The newest rows holding any of a need's words, read by the plan their frequency calls for
    (docs/scaling.md, "Cooperation lists at the large scale")."""

    dependencies = [("members", "0019_search_probe")]

    operations = [migrations.RunPython(forwards, backwards)]
