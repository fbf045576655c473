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
field (SQLite has no tsvector); ``StoredGrams`` names it in a query.

Why stored and not an expression index: to show the 20 newest matches of a common word PostgreSQL
walks the table newest-first and checks each row; with an expression index that check computed
``search_grams()`` again, about 2.5 ms a row, and such searches were slower than the plain substring
test (p95 132 ms against 52). Reading the stored column costs microseconds.

A query is one index condition: the grams of all its words (a word of one character is its
character, a longer one its adjacent pairs). For a word of one or two characters that is exact;
for a longer one the pairs may be scattered, so the row's text must also contain the word
(``strpos``, a plain test on the rows the index returned). Words of every length take this path:
measured per length it is faster than the substring test for each (``text_search``; bench/search.py).

On SQLite (the embedded default) a substring test per word answers: it scans the table, which is
small there.
"""

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, Expression, F, Func, QuerySet, Value
from django.db.models.expressions import Col
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .i18n import fold

MAX_WORDS = 8


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


def gram_search(queryset: QuerySet, words: list[str]) -> QuerySet:
    """Rows whose stored grams hold every word's grams, and whose search text holds each word of
    three characters or more (PostgreSQL; the table has the column ``search_grams_tsv``)."""
    grams = " & ".join(gram_query(word) for word in words)
    queryset = queryset.filter(Matches(StoredGrams(), Cast(Value(grams), SearchQueryField())))
    for word in words:
        if len(word) > 2:
            queryset = queryset.filter(GreaterThan(StrIndex(F("search_text"), Value(word)), 0))
    return queryset


def text_search(queryset: QuerySet, q: str) -> QuerySet:
    """Rows whose folded search text contains every word of ``q``: on PostgreSQL through the
    stored grams for words of every length, elsewhere by the substring test.

    The stored grams are the faster path for each length of word, so there is no per-length
    switch (database only, 300 random terms, 21 newest public initiatives, real scale; p50/p95 ms,
    grams vs substring): 1 character 1.8/6.5 vs 2.2/13.4, 2 characters 1.5/4.4 vs 14.2/33.2,
    3 or more 2.5/6.8 vs 2.7/9.9 (bench/search.py, docs/scaling.md)."""
    words = search_words(q)
    if not words:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return gram_search(queryset, words)
    return substring_search(queryset, words)


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
