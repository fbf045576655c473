"""Substring search over folded text that stays indexed for words of one and two characters.

Japanese is written without spaces and most of its words are two characters long (水素, 電力,
地域), so a search is a substring match over the folded search text (``members.i18n.fold``).
pg_trgm indexes a substring of three characters or more; for a shorter one it reads its whole
index. So each searchable table also stores the *grams* of its search text: every character and
every pair of adjacent characters (none with a space), as a ``tsvector`` computed by the SQL
function ``search_grams`` (members migration 0015) into the generated column ``search_grams_tsv``
(``GENERATED ALWAYS AS (search_grams(search_text)) STORED``, migrations ``*_search_grams_stored``),
with a GIN index on that column. PostgreSQL computes the column at every write (a save,
``update()``, ``bulk_create``, COPY): nothing to maintain in Python. The column is not a model
field (SQLite has no tsvector); ``StoredGrams`` names it in a query, and the SQL function
``search_gram_matches`` (members migration 0018) reads it.

The index condition is the grams of all the words (a word of one character is its character, a
longer one its adjacent pairs). For a word of one or two characters that is exact; for a longer one
the pairs may be scattered, so the row's text must also contain the word (``strpos``, a plain test
on the rows the index returned).

For the initiatives (``text_search(..., probe=True)``: 200,000 rows at the large scale), how the
rows are best found depends on how many match, which PostgreSQL cannot tell: for a gram outside its
sample's most common ones it assumes 0.5% of the table. A list shows the 20 newest matches, so for a
rare word it walked the table newest first looking for them, reading and decompressing every row's
grams (about 0.1 ms a row): a word in a few rows, or in none, took 10 to 20 seconds. So a search
first asks the indexes (``probe``, one query: SQL function ``search_probe``, members migration 0019)
for the ids of at most ``PROBE_CAP`` + 1 rows that contain the words, reading no row's grams:

- words of one and two characters: the gram index alone (a bitmap read, exact), unless the column's
  statistics already say that the words are common (every gram among the most common ones, the
  product of their frequencies over ``PROBE_CAP`` / 2 rows);
- a word of three characters or more: the gram and the trigram indexes (pg_trgm, ``LIKE``) joined,
  each row they give tested for the word. Its pairs alone cannot tell a rare word made of common
  pairs (666: 66 is in thousands of rows) from a common one, and the list walked the table for it
  (0.3 to 0.9 s); its trigrams can. A long word the statistics call common is first looked for
  in the newest 400 rows' text (common there: the walk, without reading the trigram index); a
  common one stops the probe early, its first 128 matches coming from a small part of the table
  (migration 0019). Still slow: a word whose rarest trigram is common (0000: 000 in 9,539 rows,
  about 0.5 s), docs/scaling.md.

Then:

- at most ``PROBE_CAP`` rows match (a rare word, a name, a pair that is not a word, nothing): the
  list is read among those ids (``pk = ANY(ids)``), at most that many primary-key lookups, no text;
- more match (a common word): walking the list newest first finds its 20 within a few hundred
  rows, each tested with a substring test of its search text (``strpos``, not its grams).

``PROBE_CAP`` is about where the two cost the same (bench/search.py at the large scale,
docs/scaling.md). Both paths return exactly the rows whose text contains every word.

The smaller tables (directory, cooperation, news: ``gram_filter``) keep one condition of the query:
their pages count facets with the same search, and a probe per facet would add a query each.

On SQLite (the embedded default) a substring test per word answers: it scans the table, which is
small there.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db import connections
from django.db.models import BigIntegerField, BooleanField, Expression, F, Func, QuerySet, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .i18n import fold

MAX_WORDS = 8
# A search whose words match at most this many rows reads the list among their ids; past it, it
# walks the list newest first with a substring test (module docstring, docs/scaling.md).
PROBE_CAP = 2500


class StoredGrams(Expression):
    """The column ``search_grams_tsv`` of the queried table: ``search_grams(search_text)`` stored
    by PostgreSQL at each write (a generated column; not a model field, PostgreSQL only)."""

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        field = SearchVectorField()
        field.set_attributes_from_name("search_grams_tsv")
        field.model = query.model
        # a column of the query's own table, relabelled like any other if the query becomes a subquery
        return Col(query.get_initial_alias(), field)


class Matches(Func):
    """``vector @@ query`` as a condition for ``filter()``."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


def grams_of(word: str) -> list[str]:
    """The grams a row must hold to contain ``word``: its character, or its adjacent pairs.

    >>> grams_of("太陽光")
    ['太陽', '陽光']
    """
    if len(word) < 2:
        return [word] if word else []
    return list(dict.fromkeys(word[i:i + 2] for i in range(len(word) - 1)))


def gram_query(word: str) -> str:
    """``word``'s grams as tsquery input, each quoted so that no parser or dictionary touches it."""
    return " & ".join("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in grams_of(word))


def search_words(q: str) -> list[str]:
    """The folded words of a query (at most MAX_WORDS), as the search text is folded."""
    return fold(q).split()[:MAX_WORDS]


def substring_search(queryset: QuerySet, words: list[str], field: str = "search_text") -> QuerySet:
    """Rows whose ``field`` contains every word: a substring test per row (main's search; the
    trigram index can answer a word of three characters or more)."""
    for word in words:
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset


def probe_words(words: list[str]) -> tuple[list[str], list[str]]:
    """How the probe tests each word of three characters or more on the rows the indexes give:
    ``LIKE`` patterns for those pg_trgm's index can answer (a run of three letters or digits: a
    trigram), plain words for ``strpos`` (the others: a trigram-less pattern would make PostgreSQL
    read the whole trigram index)."""
    likes, texts = [], []
    for word in dict.fromkeys(w for w in words if len(w) > 2):
        run = best = 0
        for ch in word:
            run = run + 1 if ch.isalnum() else 0
            best = max(best, run)
        if best >= 3:
            likes.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        else:
            texts.append(word)
    return likes, texts


def word_pairs(words: list[str]) -> list[tuple[str, int]]:
    """Each word's grams with the word's index, for the statistics the SQL functions read: every
    pair of each word, repeated ones too (666 is 66 twice: their frequencies are multiplied).

    >>> word_pairs(["太陽光", "水"])
    [('太陽', 0), ('陽光', 0), ('水', 1)]
    """
    return [(word[i:i + 2] if len(word) > 1 else word, n) for n, word in enumerate(words)
            for i in range(max(len(word) - 1, 1))]


def newest_matching_any(queryset: QuerySet, words: list[str], lim: int) -> RawSQL:
    """The ids of the ``lim`` newest rows of ``queryset``'s table whose stored grams hold the grams
    of ANY of ``words`` (not tested for the text of longer words: a candidate, not a match), as an
    expression evaluated once in the query (``pk = ANY(...)``: ``IdIn``). The SQL function
    ``search_any_matches`` (members migration 0020) reads the gram index for rare words and walks
    the table newest first for common ones, as the statistics say: as a plain condition PostgreSQL
    walked the whole table for words in no row. Visibility is the caller's (the ids are of every
    row). PostgreSQL only."""
    pairs = word_pairs(words)
    return RawSQL(
        "(SELECT search_any_matches(%s::regclass, %s::tsquery, %s, %s::text[], %s::integer[]))",
        [queryset.model._meta.db_table, " | ".join(f"({gram_query(word)})" for word in words), lim,
         [gram for gram, _n in pairs], [n for _gram, n in pairs]],
        output_field=ArrayField(BigIntegerField()))


def probe(queryset: QuerySet, words: list[str], cap: int) -> tuple[list[int] | None, bool]:
    """The rows of ``queryset``'s table that contain every word, read from the indexes (SQL function
    ``search_probe``, members migration 0019), in no particular order: ``(ids, complete)``, ids of
    at most ``cap`` + 1 of them, and whether they are all of them (at most ``cap``). Every id is a
    match: a word of one or two characters is its grams; a longer one is tested on the rows the
    gram and trigram indexes give. ``(None, False)``, without reading an index, when the statistics
    say that words of one and two characters are in more than ``cap / 2`` rows (common); a long
    word whose first matches come from a small part of the table stops early, incomplete (common:
    migration 0019). PostgreSQL only."""
    pairs = word_pairs(words)
    likes, texts = probe_words(words)
    if likes:  # the trigram index gives the rows: every other word is tested on them
        texts = [word for word in dict.fromkeys(words) if len(word) < 3 or word in texts]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT ids, complete FROM search_probe(%s::regclass, %s::tsquery, %s, %s::text[], "
                       "%s::integer[], %s::text[], %s::text[])",
                       [queryset.model._meta.db_table, " & ".join(gram_query(word) for word in words), cap,
                        [gram for gram, _n in pairs], [n for _gram, n in pairs], likes, texts])
        ids, complete = cursor.fetchone()
        return ids, bool(complete)


def gram_matches(queryset: QuerySet, words: list[str], cap: int) -> list[int] | None:
    """The ids of at most ``cap`` rows of ``queryset``'s table whose stored grams hold every word's
    grams, read from the gram index alone (SQL function ``search_gram_matches``, members migration
    0018), in no particular order; None, without reading the index, when PostgreSQL's statistics
    say the words are in more than ``cap / 2`` rows (common). PostgreSQL only.

    The smaller tables' shared probe (``shared_gram_search``: needs, expertise, partners) reads it;
    the initiatives read ``probe`` (0019), whose trigram path is for a table with a trigram index
    of ``search_text``. So 0018's function stays while this calls it."""
    pairs = word_pairs(words)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT search_gram_matches(%s::regclass, %s::tsquery, %s, %s::text[], %s::integer[])",
                       [queryset.model._meta.db_table, " & ".join(gram_query(word) for word in words), cap,
                        [gram for gram, _n in pairs], [n for _gram, n in pairs]])
        return cursor.fetchone()[0]


class IdIn(Func):
    """``pk = ANY(ids)`` with the ids as one array parameter: an ``IN`` list of thousands of
    parameters costs PostgreSQL more to plan (15 ms for 2,000) than to run."""

    template = "(%(expressions)s::bigint[]))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def pk_among(ids, field: str = "pk") -> IdIn:
    """``pk = ANY(ids)`` (``IdIn``; or another id column, ``field``) with the ids written as one
    array literal ('{1,2,3}'): psycopg quoting a list checks and converts each element (0.96 ms for
    1,850 ids, a search for 森林 among the needs of the large scale), a string is quoted in one step
    (0.15 ms with the join). PostgreSQL only."""
    return IdIn(F(field), Value("{" + ",".join(str(int(pk)) for pk in ids) + "}"))


def contains_words(queryset: QuerySet, words: list[str], field: str = "search_text") -> QuerySet:
    """Rows whose ``field`` contains every word, as a plain test of each row (``strpos``): never a
    reason for PostgreSQL to read the trigram index, which ``LIKE`` can be."""
    for word in words:
        queryset = queryset.filter(GreaterThan(StrIndex(F(field), Value(word)), 0))
    return queryset


def gram_filter(queryset: QuerySet, words: list[str]) -> QuerySet:
    """Rows whose stored grams hold every word's grams, and whose search text holds each word of
    three characters or more, as one condition of the query (PostgreSQL; the table has the column
    ``search_grams_tsv``): how the smaller tables search (directory, cooperation, news), where a
    page also counts its facets with the same search (a probe per facet would add a query each)
    and a walk of the whole table is short."""
    grams = " & ".join(gram_query(word) for word in words)
    queryset = queryset.filter(Matches(StoredGrams(), Cast(Value(grams), SearchQueryField())))
    return contains_words(queryset, [word for word in words if len(word) > 2])


def gram_search(queryset: QuerySet, words: list[str], cap: int | None = None) -> QuerySet:
    """Rows whose search text holds every word, through the indexes (PostgreSQL; the table has
    the column ``search_grams_tsv`` and a trigram index of ``search_text``): among the ids the probe
    gives when they are all the matches (at most ``cap``, ``PROBE_CAP``), else by a substring test
    of each row the query reads (module docstring). Runs one query (the probe) when called."""
    return probed_gram_search(queryset, words, cap)[0]


def probed_gram_search(queryset: QuerySet, words: list[str], cap: int | None = None) -> tuple[QuerySet, list[int]]:
    """``gram_search``, and what its probe learnt that a *capped count* can use: when the words
    are common (the probe read more than ``cap`` matches, or stopped early), the ids of the
    matches it read; otherwise ``[]``. The rows of the search among them are found by primary key,
    where walking the table for them reads thousands of rows' text (coalition.search
    ``hit_counts`` looks among them first)."""
    cap = PROBE_CAP if cap is None else cap
    ids, complete = probe(queryset, words, cap)
    if not complete:
        return contains_words(queryset, words), ids or []
    if not ids:
        return queryset.none(), []
    # every id is a match (the probe tested the long words): no text is read again
    return queryset.filter(pk_among(ids)), []


def shared_gram_search(queryset: QuerySet, words: list[str], memo: dict, *, listing: bool = False) -> QuerySet:
    """``gram_search`` for a page that filters the same table with the same words several times
    (a list and its facet counts, cooperation/filters.py): the probe of the gram index runs once
    per table and words, its ids kept in ``memo`` (the page's own dict), and every query of the
    page reads among them (``pk = ANY(ids)``, primary-key lookups). Words in more than
    ``PROBE_CAP`` rows, or common by the statistics, keep ``gram_filter``'s one condition, which
    PostgreSQL answers by a bitmap scan of the gram index for a count, or by walking the list for
    its first page.

    Why not ``gram_filter`` alone: its ``@@`` is a condition PostgreSQL may test on every row (a
    sequential scan of a few thousand needs, or a walk of the board's index newest first looking
    for 20 matches of a rare word, reading each row's grams), and a page ran it seven times. The
    probe reads the index alone, once (docs/scaling.md, "Cooperation search").

    ``listing`` (the list itself, not a count): common words are tested on each row the list walks
    by its text (``strpos``), not by its grams: the grams are a compressed ``tsvector`` read from
    TOAST, the text is in the row. The board's walk for 森林 among 50,000 needs at the large scale:
    11-14 ms with the grams, 2-6 ms with the text. A count keeps the grams, which the gram index
    answers as a bitmap."""
    key = ("gram-probe", queryset.model._meta.db_table, tuple(words))
    if key not in memo:
        memo[key] = gram_matches(queryset, words, PROBE_CAP + 1)
    ids = memo[key]
    if ids is None or len(ids) > PROBE_CAP:
        return contains_words(queryset, words) if listing else gram_filter(queryset, words)
    if not ids:
        return queryset.none()
    return contains_words(queryset.filter(pk_among(ids)), [word for word in words if len(word) > 2])


def text_search(queryset: QuerySet, q: str, *, probe: bool = False, memo: dict | None = None,
                listing: bool = False) -> QuerySet:
    """Rows whose folded search text contains every word of ``q``: on PostgreSQL through the
    stored grams for words of every length, elsewhere by the substring test.

    ``probe`` (the initiatives, the large table): ``gram_search``, rare words among the ids the
    gram index gives, common ones by walking the list, which runs the probe query at once;
    ``memo`` (a page's dict, shared by the filtersets of a list and its facets): the same probe,
    once per page (``shared_gram_search``; ``listing``: the page's list, not a count); otherwise
    ``gram_filter``, one condition of the query.
    Measured per length of word (bench/search.py, docs/scaling.md), the grams are the faster path
    for each, so there is no per-length switch."""
    words = search_words(q)
    if not words:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        if probe:
            return gram_search(queryset, words)
        if memo is not None:
            return shared_gram_search(queryset, words, memo, listing=listing)
        return gram_filter(queryset, words)
    return substring_search(queryset, words)


def probed_text_search(queryset: QuerySet, q: str) -> tuple[QuerySet, list[int]]:
    """``text_search(queryset, q, probe=True)`` and the probe's candidate ids for a capped count
    (``probed_gram_search``; ``[]`` when there are none, or off PostgreSQL)."""
    words = search_words(q)
    if words and connections[queryset.db].vendor == "postgresql":
        return probed_gram_search(queryset, words)
    return text_search(queryset, q, probe=True), []


def _folded_chars(text: str) -> tuple[str, list[int]]:
    """``text`` folded character by character (as ``fold`` folds it), with the position in ``text``
    of each folded character: a match in the folded text maps back onto what the page shows."""
    out, owners = [], []
    for i, ch in enumerate(text):
        for c in fold_char(ch):
            out.append(c)
            owners.append(i)
    return "".join(out), owners


def fold_char(ch: str) -> str:
    """One character folded like ``members.i18n.fold`` folds text (whitespace kept as it is)."""
    return ch if ch.isspace() else fold(ch) or ch


def highlight(text: str, words: list[str], length: int | None = None) -> SafeString:
    """``text`` HTML-escaped, with each match of the folded ``words`` (``search_words``) in
    ``<mark>``: the same width-, case- and kana-insensitive match as the search itself. With
    ``length``, a longer text is cut to about that many characters around its first match, with
    "…" where it was cut. Nothing of ``text`` is ever markup: only the ``<mark>`` tags are."""
    text = text or ""
    marked = [False] * len(text)
    if words and text:
        folded, owners = _folded_chars(text)
        for word in words:
            start = folded.find(word)
            while start >= 0 and word:
                for j in range(start, start + len(word)):
                    marked[owners[j]] = True
                start = folded.find(word, start + len(word))
    lo, hi = 0, len(text)
    if length is not None and len(text) > length:
        first = marked.index(True) if True in marked else 0
        lo = max(0, min(first - length // 4, len(text) - length))
        hi = lo + length
    parts = ["…" if lo else ""]
    i = lo
    while i < hi:
        j = i
        while j < hi and marked[j] == marked[i]:
            j += 1
        chunk = escape(text[i:j])
        parts.append(f"<mark>{chunk}</mark>" if marked[i] else chunk)
        i = j
    parts.append("…" if hi < len(text) else "")
    return mark_safe("".join(parts))  # noqa: S308 -- every piece of text is escaped above
