"""Facet counts of a list page, as few scans of the matching rows as a search needs.

A list's facet counts (the directory's prefectures, kinds and categories; the needs board's themes,
kinds of help, prefectures and years) each count the rows matching every *other* filter. When the
facets' own filters are not chosen, which is a search and most browsing, those rows are the same for
every facet. For a search, finding them is most of the work (the gram index, a text test per row):
counting them once per facet found them once per facet, and a common word (大学 among 15,000
members, と among 50,000 needs) cost 25-60 ms a facet. ``counts(..., together=True)`` groups the
facets whose querysets filter the same rows and counts each group in one query (``GROUPING SETS``:
one scan). Without a search each facet is its own query: one that can read an index alone (the
needs' prefecture and status) beats one scan of the whole table for all of them (10 ms against 40,
measured at the large bench scale).

A row is counted once (``COUNT(DISTINCT id)``) when the query joins another table (a theme or a
working group: a row for each); otherwise ``COUNT(*)``, which an index-only scan can answer. A
facet of a many-to-many's unique values (a need's themes) joins its own table only, where each
pair is once: ``COUNT(*)`` too (``_once_per_value``).
"""

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def counts(facets: dict[str, tuple], *, together: bool = False, total: str | None = None) -> dict[str, dict]:
    """``{facet: (queryset, column)}`` -> ``{facet: {value: number of rows}}``, the value as the
    column gives it (None for a row without one: an outer join finding nothing). ``together`` (a
    search): facets whose querysets hold the same condition and whose column is the row's own are
    counted in one query per group; a column across a relation (``themes__slug``) is counted alone,
    so that the others do not join its table. ``(queryset, column, top)``: only the ``top`` values
    with the most rows, most first (a facet of thousands of institutions), in a query of its own.

    ``total`` (a name): when every facet was counted in that one query, which is when they all
    count the same rows, the number of those rows too, under this name (the query's grand total,
    ``GROUPING SETS (..., ())``): the list's own count when none of the facets' filters is chosen,
    without a scan of its own (a common word among 15,000 members: 13 ms). Absent otherwise."""
    groups: dict[tuple, list[str]] = {}
    out: dict[str, dict] = {}
    for facet, (queryset, column, *top) in facets.items():
        queryset = queryset.order_by()
        try:
            sql, params = queryset.values("pk").query.sql_with_params()
        except EmptyResultSet:  # a search that matched nothing (``none()``): nothing to count
            out[facet] = {}
            continue
        if together and not top and "__" not in column and connections[queryset.db].vendor == "postgresql":
            key = (queryset.db, sql, tuple(map(repr, params)))
        else:
            key = (facet,)
        groups.setdefault(key, []).append(facet)
    for names in groups.values():
        if len(names) > 1:
            found = _grouping_sets(names, facets, total=total is not None and len(names) == len(facets))
            if None in found:
                out[total] = found.pop(None)
            out.update(found)
            continue
        queryset, column, *top = facets[names[0]]
        rows = queryset.order_by().values_list(column)
        distinct = _joins(queryset) if _once_per_value(queryset.model, column) else _joins(rows)
        rows = rows.annotate(n=Count("pk", distinct=True) if distinct else Count("*")).values_list(column, "n")
        out[names[0]] = dict(rows.order_by("-n", column)[:top[0]] if top else rows)
    return out


def _once_per_value(model, column: str) -> bool:
    """Whether ``column`` reaches each of its values at most once from a row: a unique field (or the
    key) of a model linked by a many-to-many of Django's own through table, which holds a pair once
    (a need's themes by slug). Counted over a query with no other join, its rows are (row, value)
    pairs once each, so ``COUNT(*)`` is the number of rows of each value, and PostgreSQL need not sort
    them for a ``COUNT(DISTINCT)`` (the board's theme facet: 34 -> 16 ms over 40,000 open needs)."""
    parts = column.split("__")
    if len(parts) != 2:
        return False
    try:
        relation = model._meta.get_field(parts[0])
    except FieldDoesNotExist:
        return False
    if not (relation.many_to_many and relation.concrete and relation.remote_field.through._meta.auto_created):
        return False
    target = relation.related_model._meta
    name = target.pk.name if parts[1] == "pk" else parts[1]
    try:
        return target.get_field(name).unique
    except FieldDoesNotExist:
        return False


def _joins(queryset: QuerySet) -> bool:
    """Whether the query reads another table than its own (a row may come out more than once)."""
    sql, _params = queryset.query.sql_with_params()
    return " JOIN " in sql


def _grouping_sets(names: list[str], facets: dict[str, tuple[QuerySet, str]], total: bool = False) -> dict:
    """The facets ``names``, whose querysets filter the same rows, in one query: each row's id and
    every facet's column, grouped by each column on its own (PostgreSQL's GROUPING SETS); with
    ``total``, the number of rows too (the empty grouping set), under the key None."""
    queryset = facets[names[0]][0].order_by()
    columns = {f"facet_{i}": F(facets[name][1]) for i, name in enumerate(names)}
    rows = queryset.values(facet_row=F("pk"), **columns)
    sql, params = rows.query.sql_with_params()
    aliases = list(columns)
    n = "COUNT(DISTINCT facet_row)" if _joins(rows) else "COUNT(*)"
    query = (f"SELECT {', '.join(f'GROUPING({a})' for a in aliases)}, {', '.join(aliases)}, {n} "
             f"FROM ({sql}) AS facet_rows GROUP BY GROUPING SETS "
             f"({', '.join([*(f'({a})' for a in aliases), *(['()'] if total else [])])})")
    out: dict = {name: {} for name in names}
    if total:
        out[None] = 0  # no row matched: the grand total's row is there all the same, but say it
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(query, params)
        for row in cursor.fetchall():
            grouping, values, count = row[:len(aliases)], row[len(aliases):-1], row[-1]
            if 0 not in grouping:  # grouped by no column: every row
                out[None] = count
                continue
            i = grouping.index(0)  # the one column this row is grouped by
            out[names[i]][values[i]] = count
    return out


def per_row_count(rows: QuerySet, link: str):
    """The number of ``rows`` whose ``link`` is the outer query's row (``OuterRef("pk")``), 0 for none,
    as an expression of the outer query: a subquery counted for the rows it reads (a page, an
    update's rows), where a join and GROUP BY counts for every row before a page is cut."""
    counted = rows.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
