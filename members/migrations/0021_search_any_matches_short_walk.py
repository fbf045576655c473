from importlib import import_module

from django.db import migrations

# ``search_any_matches`` (0020) again, with a short walk before the bitmap scan.
#
# Why: 0020 judges a word's share of rows by the product of its pairs' frequencies. For a word of
# Latin letters the pairs are far from independent (e, l, c, t, r, i in "electric" come together),
# and the product calls a word in one row of five rare: the bitmap scan then reads the posting lists
# of every pair of every word (an OR of them) and fetches tens of thousands of rows to keep the
# newest 240. A need titled "Battery swapping for electric delivery vans" took 0.3 to 1.3 s to rank
# its initiatives at the large scale, where walking the table newest first finds 240 in 6 ms.
#
# The product is a lower bound of a word's share; its rarest pair's frequency is an upper bound.
# When the upper bound says a walk of the newest 2,000 rows may find ``lim`` matches, the
# function walks those rows first (each row's grams tested: about 9 ms for 2,000 rows when none
# matches), and returns what it found if that is ``lim`` rows: the newest ``lim`` of the table,
# the same answer as the bitmap's. Otherwise (or when the upper bound rules the walk out: a word with
# a rare pair, most Japanese words) the bitmap scan answers, as before. The walk of the whole table
# for words the lower bound already calls common is unchanged.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_any_matches(tbl regclass, q tsquery, lim integer, grams text[], words integer[])
RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_indexscan = on SET enable_bitmapscan = on
AS $$
DECLARE
  ids bigint[];
  share double precision;
  ceiling_share double precision;
  total double precision;
BEGIN
  SELECT max(per_word.f), max(per_word.top) INTO share, ceiling_share
    FROM (SELECT g.w, exp(greatest(sum(ln(greatest(coalesce(m.f, 0), 1e-9))), -700)) AS f,
                 min(coalesce(m.f, 0)) AS top
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
    IF coalesce(ceiling_share, 0) * 2000 >= lim THEN
      PERFORM set_config('enable_bitmapscan', 'off', true);
      EXECUTE format('SELECT array(SELECT id FROM (SELECT id, search_grams_tsv FROM %s ORDER BY id DESC'
                     ' LIMIT 2000) AS newest WHERE search_grams_tsv @@ $1 ORDER BY id DESC LIMIT $2)', tbl)
        INTO ids USING q, lim;
      IF cardinality(ids) >= lim THEN
        RETURN ids;
      END IF;
      PERFORM set_config('enable_bitmapscan', 'on', true);
    END IF;
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
    if schema_editor.connection.vendor == "postgresql":  # 0020's function again
        previous = import_module("members.migrations.0020_search_any_matches")
        schema_editor.execute(previous.FUNCTION, params=None)


class Migration(migrations.Migration):
    """The newest rows holding any of a need's words: a short walk first when the words may be
    common after all (docs/scaling.md, "Cooperation lists at the large scale")."""

    dependencies = [("members", "0020_search_any_matches")]

    operations = [migrations.RunPython(forwards, backwards)]
