from django.db import migrations

# The rows of a table whose stored grams hold a query's grams, read from the gram index only, at
# most ``cap`` of them (members/search.py ``gram_matches``): how a search learns whether its words
# are rare (answer from these ids) or common (walk the list newest first and test each row's text).
# The settings pin the plan to the GIN index: a sequential or index scan with LIMIT looks cheap to
# the planner for a common gram, but each row it tests reads and decompresses that row's grams
# (about 0.1 ms), which made a capped probe of a common word cost hundreds of milliseconds. A bitmap
# scan reads no row's grams (the index answers a conjunction of grams exactly), only the ids.
# Words whose grams ANALYZE found among the column's most common elements (pg_stats), in more than
# cap / 2 rows by their frequencies, are answered NULL at once: reading thousands of ids from
# the index costs tens of milliseconds, and such a word fills a page from the newest few hundred
# rows. The initiatives' statistics keep ten times PostgreSQL's default of most common grams (every
# gram in 2% of the rows or more; ANALYZE reads 300,000 rows, 12 s at the large scale).
# Creating a function is instant and takes no lock on any table.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_gram_matches(tbl regclass, q tsquery, cap integer,
                                               grams text[] DEFAULT NULL, words integer[] DEFAULT NULL)
RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_indexscan = off SET enable_indexonlyscan = off
AS $$
DECLARE
  ids bigint[];
  known boolean;
  share double precision;
BEGIN
  IF grams IS NOT NULL THEN
    -- The share of rows holding the words, from the column's most common grams (ANALYZE's
    -- sample), each gram taken as independent of the others: a word's grams come together more
    -- often than that, so the share is low rather than high, and a word taken for common is. (Its
    -- rarest gram alone overrates words whose grams are all common: 8413, 導入（熊, each in a few
    -- rows, took seconds walking the list.) Common when every gram is listed and the share is
    -- more than cap / 2 rows: NULL, without reading the index.
    -- (the sum is floored at -700: a long query's product underflows exp(), an error, not a zero)
    SELECT bool_and(per_word.known), exp(greatest(sum(per_word.lnf), -700)) INTO known, share
      FROM (SELECT g.w, bool_and(m.f IS NOT NULL) AS known, sum(ln(greatest(m.f, 1e-9))) AS lnf
              FROM unnest(grams, words) AS g(e, w)
              LEFT JOIN (SELECT e, f
                           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                                          AND s.attname = 'search_grams_tsv',
                           unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS mce(e, f)
                          WHERE c.oid = tbl) AS m ON m.e = g.e
             GROUP BY g.w) AS per_word;
    IF known AND share * (SELECT reltuples FROM pg_class WHERE oid = tbl) > cap / 2 THEN
      RETURN NULL;
    END IF;
  END IF;
  EXECUTE format('SELECT array(SELECT id FROM %s WHERE search_grams_tsv @@ $1 LIMIT $2)', tbl)
    INTO ids USING q, cap;
  RETURN ids;
END
$$
"""


def forwards(apps, schema_editor):
    # SQLite has no tsvector: it answers a search by scanning (members/search.py).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # no parameters: its % are format()'s
        # a change of the catalogue (no rewrite), then the statistics themselves: ANALYZE stops
        # neither reads nor writes (docs/deploy.md: 12 s at 200,000 initiatives)
        schema_editor.execute("ALTER TABLE working_groups_initiative ALTER COLUMN search_grams_tsv "
                              "SET STATISTICS 1000")
        schema_editor.execute("ANALYZE working_groups_initiative (search_grams_tsv)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE working_groups_initiative ALTER COLUMN search_grams_tsv "
                              "SET STATISTICS -1")
        schema_editor.execute("DROP FUNCTION IF EXISTS search_gram_matches(regclass, tsquery, integer, text[], integer[])")


class Migration(migrations.Migration):
    """The capped probe of the gram index that lets a search choose its plan by how many rows its
    words match (docs/scaling.md, "Search")."""

    dependencies = [("members", "0017_merge_access_tokens_search_grams"),
                    ("working_groups", "0013_initiative_search_grams_stored")]

    operations = [migrations.RunPython(forwards, backwards)]
