"""The needs board's facet counts from a columnar copy of the board.

Each new combination of the board's filters counted its six facets in PostgreSQL: 50-200 ms at
50,000 needs for a broad filter or a common word (the grouping and counting of tens of thousands of
rows, not their scan: docs/scaling.md). The facets are small columns of every listed need: its
status, kind of help, prefecture, year and themes. Kept as arrays (numpy, a few hundred kB at the
large scale), a facet is a mask of the other filters and a count per value, a fraction of a
millisecond for all six, whatever the filters.

The copy is built from the database once per version of the namespaces the board's cached counts
depend on (``cooperation``, ``groups``: members.cache), by one process (stored in the cache with an
id of the build, never served stale), and kept by each process while the cache names the same
build for the current versions (one small read a request). The counts are exactly those of
the SQL facets (``filters.facets``): the same filters on the same rows; tests/cooperation/
test_board_columns.py compares both over random combinations. A search gives the ids of its matches
(the same search as the list, through the gram index), which the arrays are masked with.
"""

import uuid
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache

from members.cache import fragment_key, single_flight
from members.regions import REGIONS_BY_SLUG

from .models import Need

NAMESPACES = ("cooperation", "groups")
# Themes are bits of one 64-bit integer a need: a board of more theme groups counts in SQL instead.
MAX_THEMES = 63


@dataclass
class Columns:
    ids: np.ndarray  # the listed needs' ids, ascending
    status: np.ndarray  # index into ``statuses``
    kind: np.ndarray  # index into ``kinds``
    prefecture: np.ndarray  # index into ``prefectures`` ("" for anywhere in Japan)
    year: np.ndarray
    themes: np.ndarray  # bit i: the need has the theme ``slugs[i]``
    statuses: list
    kinds: list
    prefectures: list
    slugs: list

    def index(self, values: list, value) -> int:
        """``value``'s index in ``values``, -1 when no listed need has it (matches nothing)."""
        try:
            return values.index(value)
        except ValueError:
            return -1


def _build() -> Columns | None:
    rows = list(Need.objects.listed().order_by("pk").values_list("pk", "status", "help_kind", "prefecture", "year"))
    pairs = list(Need.themes.through.objects.filter(need__status__in=Need.LISTED)
                 .values_list("need_id", "workinggroup__slug"))
    slugs = sorted({slug for _need, slug in pairs})
    if len(slugs) > MAX_THEMES:
        return None
    statuses = sorted({r[1] for r in rows})
    kinds = sorted({r[2] for r in rows})
    prefectures = sorted({r[3] for r in rows})
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    themes = np.zeros(len(rows), dtype=np.int64)
    if pairs:
        position = np.searchsorted(ids, np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs)))
        bits = np.left_shift(np.int64(1), np.fromiter((slugs.index(p[1]) for p in pairs), dtype=np.int64,
                                                      count=len(pairs)))
        np.bitwise_or.at(themes, position, bits)

    def coded(column: int, values: list, dtype) -> np.ndarray:
        lookup = {value: i for i, value in enumerate(values)}
        return np.fromiter((lookup[r[column]] for r in rows), dtype=dtype, count=len(rows))

    return Columns(ids=ids, status=coded(1, statuses, np.int8), kind=coded(2, kinds, np.int8),
                   prefecture=coded(3, prefectures, np.int8),
                   year=np.fromiter((r[4] for r in rows), dtype=np.int32, count=len(rows)), themes=themes,
                   statuses=statuses, kinds=kinds, prefectures=prefectures, slugs=slugs)


# This process's copy: the build it is (an id the cache keeps beside it) and the columns.
_kept: dict = {}
COLUMNS_SECONDS = 3600


def columns() -> Columns | None:
    """The board's columns at the current versions: this process's copy when it is the build the
    cache names for them, else the cache's, else built (by one process at a time; never a copy of
    older versions). The build's id, not the versions, tells a copy: a cache emptied (Redis
    restarted, a test's own key prefix) starts the versions again from 0."""
    key = fragment_key("need-board-columns", NAMESPACES)
    build = cache.get(f"{key}:build")
    if build is not None and _kept.get("build") == build:
        return _kept["columns"]
    build, found = single_flight(key, lambda: (uuid.uuid4().hex, _build()), timeout=COLUMNS_SECONDS)
    cache.set(f"{key}:build", build, COLUMNS_SECONDS)
    _kept.update(build=build, columns=found)
    return found


def _counts(values: np.ndarray, names: list, mask: np.ndarray) -> dict[str, int]:
    counted = np.bincount(values[mask], minlength=len(names))
    return {str(names[i]): int(n) for i, n in enumerate(counted) if n}


def facet_counts(cols: Columns, cleaned: dict, matches: np.ndarray | None) -> dict[str, dict]:
    """The board's facets (as ``filters.facets`` gives them: ``wg``, ``kind``, ``prefecture``,
    ``year``, ``status``, values as text) for the filters' cleaned values ``cleaned`` (a filter
    with an error is not among them) and the search's matching ids ``matches`` (None: no search).
    A facet counts the needs matching every other filter: the prefecture's, every filter but the
    region and the prefecture; the status's, every status (the board shows open needs unless
    another status is chosen)."""
    n = len(cols.ids)
    every = np.ones(n, dtype=bool)
    found = every if matches is None else np.isin(cols.ids, matches)
    masks: dict[str, np.ndarray] = {}
    if cleaned.get("wg"):
        bit = cols.index(cols.slugs, cleaned["wg"].slug)
        masks["wg"] = (cols.themes & (np.int64(1) << np.int64(bit))) != 0 if bit >= 0 else ~every
    anywhere = cols.index(cols.prefectures, "")
    if cleaned.get("region"):
        codes = [cols.index(cols.prefectures, code) for code in REGIONS_BY_SLUG[cleaned["region"]].codes]
        masks["region"] = np.isin(cols.prefecture, [i for i in (*codes, anywhere) if i >= 0])
    if cleaned.get("prefecture"):
        code = cols.index(cols.prefectures, cleaned["prefecture"])
        masks["prefecture"] = np.isin(cols.prefecture, [i for i in (code, anywhere) if i >= 0])
    if cleaned.get("kind"):
        masks["kind"] = cols.kind == cols.index(cols.kinds, cleaned["kind"])
    if cleaned.get("year") is not None and cleaned.get("year") != "":
        masks["year"] = cols.year == int(cleaned["year"])
    status = cleaned.get("status") or "open"
    if status == "open":
        shown = np.isin(cols.status, [cols.index(cols.statuses, s) for s in Need.OPEN_STATUSES])
    elif status == "all":
        shown = every
    else:
        shown = cols.status == cols.index(cols.statuses, status)

    def rows(*left_out: str, status_mask=shown) -> np.ndarray:
        mask = found & status_mask
        for name, chosen in masks.items():
            if name not in left_out:
                mask = mask & chosen
        return mask

    themed = rows("wg")
    wg = {slug: int(np.count_nonzero(themed & ((cols.themes >> np.int64(i)) & 1).astype(bool)))
          for i, slug in enumerate(cols.slugs)}
    wg = {slug: count for slug, count in wg.items() if count}
    without = int(np.count_nonzero(themed & (cols.themes == 0)))
    if without:
        wg["None"] = without
    return {
        "wg": wg,
        "kind": _counts(cols.kind, cols.kinds, rows("kind")),
        "prefecture": _counts(cols.prefecture, cols.prefectures, rows("region", "prefecture")),
        "year": {str(year): int(count) for year, count in
                 zip(*np.unique(cols.year[rows("year")], return_counts=True), strict=True)},
        "status": _counts(cols.status, cols.statuses, rows("status", status_mask=every)),
    }
