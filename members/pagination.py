"""?page=N for every list (a public contract), with a cheap count for very long lists."""

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (a COUNT over a LIMITed subquery): past that, the list says
    "10,000+" and offers the first pages only; an exact count over hundreds of thousands of matching
    rows costs more than the page itself."""

    def __init__(self, object_list, per_page, cap=None, **kwargs):
        self.cap = cap
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self):
        if self.cap is None:
            return super().count
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap


def page_of(request, queryset, per_page: int, cap: int | None = None) -> tuple[Page, CappedPaginator]:
    """The page ``?page=N`` asks for (1 when missing or not a number); past the last page is 404."""
    paginator = CappedPaginator(queryset, per_page, cap=cap)
    number = request.GET.get("page", "1")
    number = int(number) if number.isdigit() and int(number) > 0 else 1
    last = max(paginator.num_pages, 1)
    if paginator.capped:
        last = min(last, cap // per_page)
    if number > last:
        raise Http404
    return paginator.page(number), paginator
