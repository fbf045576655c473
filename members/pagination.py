"""?page=N for every list (a public contract), with a cheap count for very long lists and none at
all for text searches."""

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils.functional import cached_property

from .cache import cached_fragment


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (a COUNT over a LIMITed subquery, without its ORDER BY): past
    that, the list says "more than 10,000" and offers the first pages only; an exact count over
    hundreds of thousands of matching rows costs more than the page itself."""

    def __init__(self, object_list, per_page, cap=None, counted=None, count_cache=None, known_count=None, **kwargs):
        """``counted``: the same rows without what only the page shows (the joins of its columns),
        for the count: counting 10,001 initiatives through the join of their institutions' names
        read each row (50 ms at the large scale); without it the index alone answers (a few ms).
        ``count_cache``: ``(name, namespaces, parts)`` of a cached fragment (members.cache) that keeps
        the count until what it counts changes: a list's count is the same for every page and
        visitor of the same filters (a group and a region of the initiatives: 125 ms through the
        themes). ``known_count``: the number of rows, when the caller knows it already (added up
        from cached cells: /progress/)."""
        self.cap, self.counted, self.count_cache, self.known_count = cap, counted, count_cache, known_count
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        if self.count_cache is None:
            return self._count()
        name, namespaces, parts = self.count_cache
        return cached_fragment(name, namespaces, (self.cap, *parts), self._count)

    def _count(self) -> int:
        rows = self.object_list if self.counted is None else self.counted
        if self.cap is None:
            return rows.count()
        return rows.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap


class LookaheadPaginator:
    """For text searches, which are never counted: page N reads its rows and one more, which
    says whether a next page exists. The list shows how many matches there are on the last page
    and "more than N" before it. A count (or a ranking) over every match of a common word is what
    makes search slow at 200,000 initiatives; reading 21 rows newest first lets PostgreSQL stop
    at the 21st match, so a word in 10 initiatives and one in 30,000 cost about the same
    (bench/pages.py)."""

    def __init__(self, object_list, per_page, *, max_pages=500):
        self.object_list, self.per_page, self.max_pages = object_list, per_page, max_pages
        self.count, self.num_pages, self.cap = 0, 1, None

    @property
    def capped(self) -> bool:
        return self.cap is not None

    @property
    def page_range(self):
        return range(1, self.num_pages + 1)

    def validate_number(self, number):
        """Page's previous/next numbers: the rows read already say they exist."""
        return number

    def page(self, number: int) -> Page:
        offset = (number - 1) * self.per_page
        rows = list(self.object_list[offset : offset + self.per_page + 1])
        if not rows and number > 1:
            raise Http404
        more = len(rows) > self.per_page and number < self.max_pages
        rows = rows[: self.per_page]
        known = offset + len(rows)
        self.num_pages = number + 1 if more else number
        self.count, self.cap = (None, known) if more else (known, None)
        return Page(rows, number, self)


def page_links(page) -> list[tuple[str, int]]:
    """The pagination's entries for ``page``: ("current", n), ("link", n) or ("gap", n): the first
    and last pages, two on each side of the current one, and a gap where pages are left out.
    Built from those few numbers, not by walking every page: a directory of 15,000 members has 625
    pages, and a loop over them in the template was a third of the page's time."""
    number, last = page.number, page.paginator.num_pages
    candidates = {1, 2, last - 1, last, *range(number - 2, number + 3)}
    links = []
    for n in sorted(c for c in candidates if 1 <= c <= last):
        if n == number:
            links.append(("current", n))
        elif n in (1, last) or abs(n - number) <= 2:
            links.append(("link", n))
        elif n in (2, last - 1):
            links.append(("gap", n))
    return links


def _number(request) -> int:
    """?page=N: 1 when missing or not a number. Only ASCII digits are a number ("²".isdigit() is
    true, and int() refuses it); a number too long for any page is past the last one (404)."""
    number = request.GET.get("page", "1")
    if not (number.isascii() and number.isdigit()):
        return 1
    number = number.lstrip("0")
    if len(number) > 18:
        return 10**18
    return int(number) if number else 1


def page_of(request, queryset, per_page: int, cap: int | None = None, counted=None,
            count_cache=None, known_count=None) -> tuple[Page, CappedPaginator]:
    """The page ``?page=N`` asks for (1 when missing or not a number); past the last page is 404.
    ``counted``, ``count_cache``, ``known_count``: how to count (CappedPaginator)."""
    paginator = CappedPaginator(queryset, per_page, cap=cap, counted=counted, count_cache=count_cache,
                                known_count=known_count)
    number = _number(request)
    last = max(paginator.num_pages, 1)
    if paginator.capped:
        last = min(last, cap // per_page)
    if number > last:
        raise Http404
    return paginator.page(number), paginator


def search_page_of(request, queryset, per_page: int, max_pages: int = 500) -> tuple[Page, LookaheadPaginator]:
    """``page_of`` for a text search: no count (see LookaheadPaginator)."""
    paginator = LookaheadPaginator(queryset, per_page, max_pages=max_pages)
    number = _number(request)
    if number > max_pages:
        raise Http404
    return paginator.page(number), paginator
