from django.db import migrations

# The probe of a search (members/search.py ``probe``): which rows hold the words, read from the
# indexes, at most ``cap`` + 1 of them, and whether that is all of them (``complete``).
#
# Why a second function beside ``search_gram_matches`` (0018, kept for the release still running
# during an upgrade): a word of three characters or more made of common pairs but itself rare (666,
# 333, 0004, ーーー) was answered NULL ("common") from the pairs' statistics, or gave ``cap`` + 1 ids
# of rows holding its pairs, most of them without the word: either way the list walked the table
# newest first testing each row's text for 20 matches that were not there (0.3 to 0.9 s at 200,000
# initiatives; EXPLAIN: an index scan of published_at reading every row, each text from TOAST). The
# pairs cannot tell such a word from a common one; its trigrams can. So when a word of three
# characters or more holds a trigram pg_trgm indexes (a run of three letters or digits: ``likes``,
# LIKE patterns), the rows are read from the trigram index and each tested for every word
# (``search_text LIKE '%word%'``, ``strpos`` for the others: ``texts``); the grams are not read at
# all (as a filter they would be decompressed row by row). Otherwise (every long word without a
# trigram, ・・・) the gram index gives the rows and ``texts`` are tested on them. The ids it gives
# are then exactly the matches, and a list of at most ``cap`` of them is read by primary key with no
# text test.
#
# Each match read costs its text (TOAST). A common long word would read ``cap`` + 1 texts before
# the list walks anyway, so after ``sample`` matches the share of the table they came from says
# how many there are (the bitmap heap scan reads the table in physical order: ``sample`` matches in
# the first b of the table's P pages, about sample * P / b in all); past ``cap``, the probe stops
# there: ``complete`` false, the ids found so far (every one a match: a capped count looks among
# them first). The sampled share is a guess where matches cluster in a part of the table; it only
# chooses the plan, never the rows.
#
# A query of words of one and two characters only is probed as 0018 probes it: its grams are the
# words (exact: no text read), NULL at once when the statistics say they are common.
#
# The settings pin the plan to bitmap scans (an index scan with LIMIT reads rows' grams one by
# one, 0018) and keep it in one process (a parallel scan would mix the pages' order).
# Creating a function is instant and takes no lock on any table.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION search_probe(tbl regclass, q tsquery, cap integer, grams text[], words integer[],
                                        likes text[], texts text[], sample integer DEFAULT 128,
                                        newest integer DEFAULT 400, dense integer DEFAULT 8,
                                        OUT ids bigint[], OUT complete boolean)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off SET enable_indexscan = off SET enable_indexonlyscan = off
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
  known boolean;
  share double precision;
  cond text := 'search_grams_tsv @@ $1';
  text_cond text := 'true';
  pattern text;
  pages double precision;
  r record;
  n integer := 0;
  long_words boolean;
BEGIN
  FOREACH pattern IN ARRAY coalesce(likes, '{}') LOOP
    text_cond := text_cond || format(' AND search_text LIKE %L', pattern);
  END LOOP;
  FOREACH pattern IN ARRAY coalesce(texts, '{}') LOOP
    text_cond := text_cond || format(' AND strpos(search_text, %L) > 0', pattern);
  END LOOP;
  -- The share of rows holding the words' grams, from the column's most common grams (as 0018):
  -- common when every gram is listed and the share is over cap / 2 rows, NULL without reading an
  -- index.
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
  long_words := coalesce(cardinality(likes), 0) + coalesce(cardinality(texts), 0) > 0;
  IF known AND share * (SELECT reltuples FROM pg_class WHERE oid = tbl) > cap / 2 THEN
    IF NOT long_words THEN
      complete := false;
      RETURN;
    END IF;
    -- A long word may be far rarer than its pairs say (0000: 5,000 rows by its pairs, in 29), and
    -- reading the trigram index for a common one costs more (90 ms for エネルギー) than the walk
    -- that finds its 20. So the newest ``newest`` rows' text is tested (a few ms): a word in
    -- ``dense`` of them or more is common (the walk finds 20 within a few thousand rows).
    PERFORM set_config('enable_indexscan', 'on', true);
    EXECUTE format('SELECT count(*) FROM (SELECT search_text FROM %s ORDER BY id DESC LIMIT %s) AS newest WHERE %s',
                   tbl, newest, text_cond) INTO n;
    PERFORM set_config('enable_indexscan', 'off', true);
    IF n >= dense THEN
      complete := false;
      RETURN;
    END IF;
    n := 0;
  END IF;
  IF NOT long_words THEN
    -- words of one and two characters: their grams are the words (exact, no text read)
    EXECUTE format('SELECT array(SELECT id FROM %s WHERE search_grams_tsv @@ $1 LIMIT $2)', tbl)
      INTO ids USING q, cap + 1;
    complete := cardinality(ids) <= cap;
    RETURN;
  END IF;
  IF cardinality(likes) > 0 THEN
    -- the trigram index gives the rows; no row's grams are read (a filter on them decompresses
    -- each row's grams from TOAST: 26 ms for the 560 rows holding 666)
    cond := text_cond;
  ELSE
    cond := cond || ' AND ' || text_cond;
  END IF;
  SELECT greatest(relpages, 1) INTO pages FROM pg_class WHERE oid = tbl;
  ids := '{}';
  FOR r IN EXECUTE format('SELECT id, (ctid::text::point)[0] AS page FROM %s WHERE %s LIMIT $2', tbl, cond)
      USING q, cap + 1 LOOP
    ids := array_append(ids, r.id);
    n := n + 1;
    IF n = sample AND sample * pages / (r.page + 1) > cap / 2 THEN
      complete := false;
      RETURN;
    END IF;
  END LOOP;
  complete := n <= cap;
END
$$
"""


def forwards(apps, schema_editor):
    # SQLite has no tsvector: it answers a search by scanning (members/search.py).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # no parameters: its % are format()'s


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS search_probe(regclass, tsquery, integer, text[], integer[], "
                              "text[], text[], integer, integer, integer)")


class Migration(migrations.Migration):
    """The probe that reads a rare word of three characters or more from the trigram and gram
    indexes instead of walking the table for it (docs/scaling.md, "Search")."""

    dependencies = [("members", "0018_search_gram_matches")]

    operations = [migrations.RunPython(forwards, backwards)]
