"""Substring search over folded text that stays indexed for words of one and two characters.

Japanese is written without spaces and most of its words are two characters long (水素, 電力,
地域), so a search is a substring match over the folded search text (``members.i18n.fold``).
pg_trgm indexes a substring of three characters or more; for a shorter one it reads its whole
index. So each searchable table also has a GIN index over the *grams* of its search text: every
character and every pair of adjacent characters (none with a space), as a ``tsvector`` computed
by the SQL function ``search_grams`` (members migration 0015). The index is an expression index,
so it follows every write (a save, ``update()``, ``bulk_create``) with nothing to maintain.

A query is one index condition: the grams of all its words (a word of one character is its
character, a longer one its adjacent pairs). For a word of one or two characters that is exact;
for a longer one the pairs may be scattered, so the row's text must also contain the word
(``strpos``, a plain test on the few rows the index returned). The test is ``strpos`` rather than
``LIKE`` on purpose: the trigram index could answer a ``LIKE``, and the planner, which estimates a
long ``LIKE`` to match almost nothing, would then compute the grams of every row it returned (a
few milliseconds each; hence the function's high COST, which keeps it out of scans as well).

On SQLite (the embedded default) a substring test per word answers: it scans the table, which is
small there.
"""

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, F, Func, QuerySet, Value
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan

from .i18n import fold

MAX_WORDS = 8


class SearchGrams(Func):
    """``search_grams(text)``: the tsvector of a text's characters and adjacent pairs."""

    function = "search_grams"
    output_field = SearchVectorField()


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


def text_search(queryset: QuerySet, q: str, field: str = "search_text") -> QuerySet:
    """Rows whose folded ``field`` contains every word of ``q``; on PostgreSQL through the gram
    index of ``field`` (see the module's docstring), elsewhere by the substring test alone."""
    words = search_words(q)
    if not words:
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        for word in words:
            queryset = queryset.filter(**{f"{field}__contains": word})
        return queryset
    grams = " & ".join(gram_query(word) for word in words)
    queryset = queryset.filter(Matches(SearchGrams(F(field)), Cast(Value(grams), SearchQueryField())))
    for word in words:
        if len(word) > 2:
            queryset = queryset.filter(GreaterThan(StrIndex(F(field), Value(word)), 0))
    return queryset
