"""The member directory's filters (names and values are public contracts, docs/urls.md)."""

import django_filters
from django import forms
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from . import extensions, facets
from .cache import cached_fragment
from .i18n import current_language
from .models import Institution
from .notifications import registry
from .notifications.models import Notification
from .regions import PREFECTURE_CHOICES, REGION_CHOICES, REGIONS_BY_SLUG


class InstitutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Institution name"),
        method="filter_q",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 信州, Tokyo, とうきょう")}),
    )
    region = django_filters.ChoiceFilter(label=_("Region"), choices=REGION_CHOICES, method="filter_region")
    prefecture = django_filters.ChoiceFilter(label=_("Prefecture"), choices=PREFECTURE_CHOICES)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Institution.Kind.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Institution.Category.choices)

    class Meta:
        model = Institution
        fields = ["q", "region", "prefecture", "kind", "category"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(REGIONS_BY_SLUG[value])


_directory_class = None


def directory_filterset_class():
    """The directory's FilterSet with the filters upper apps registered (e.g. ``wg``)."""
    global _directory_class
    if _directory_class is None:
        extra = {name: factory() for name, factory in extensions.directory_filters().items()}
        _directory_class = type("DirectoryFilter", (InstitutionFilter,), extra)
    return _directory_class


def directory_ordering():
    return ["name_kana", "name_ja"] if current_language() == "ja" else [Lower("name_en"), "name_kana"]


def directory(data) -> django_filters.FilterSet:
    """The filtered, sorted directory of active members for the query parameters ``data``."""
    # A card or an export row never shows the profiles or the search text: left in the database.
    base = Institution.objects.active().defer("profile_ja", "profile_en", "search_text").order_by(
        *directory_ordering())
    return directory_filterset_class()(data, queryset=base)


def facet_queryset(data, facet: str):
    """Members matching every filter except ``facet``'s own (and the region's, for prefectures)."""
    rest = data.copy()
    for key in {facet, "page", "format"} | ({"region", "prefecture"} if facet in ("region", "prefecture") else set()):
        rest.pop(key, None)
    return directory_filterset_class()(rest, queryset=Institution.objects.active()).qs.order_by()


def chosen_filters(data, names) -> tuple:
    """A list's own filters (``names``) among ``data``, and them as a cache key: not the page, the
    format, or a parameter the list does not know. A tracking parameter (``fbclid``, ``utm_*``) or a
    cache-buster differs on every visit: in a key it made every such visit count all the facets again."""
    chosen = data.copy()
    for key in list(chosen):
        if key not in names:
            chosen.pop(key)
    return chosen, tuple(sorted((key, tuple(chosen.getlist(key))) for key in chosen))


# The facet filters of the directory: when none is chosen, every facet counts the list's own rows.
FACET_FILTERS = ("region", "prefecture", "kind", "category")


def directory_facets(data) -> dict[str, dict]:
    """Every facet's counts for these filters: computed once, then cached until a member or a group
    changes (members.cache). For a search with no facet filter chosen, also ``rows``: how many
    members match, counted in the facets' one query (``facets.counts(total=...)``)."""
    data, params = chosen_filters(data, directory_filterset_class().base_filters)

    def compute():
        # the facets whose own filters are not chosen count the same rows: one query for them
        counts = facets.counts({facet: (facet_queryset(data, facet), facet) for facet in ("prefecture", "kind",
                                                                                         "category")},
                               together=bool(data.get("q")), total="rows")
        for name, count in extensions.directory_facets().items():
            counts[name] = count(facet_queryset(data, name))
        return counts

    return cached_fragment("directory-facets", ("members", "groups"), params, compute)


class OutboxFilter(django_filters.FilterSet):
    """The secretariat's outbox: by status, kind and recipient."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Notification.Status.choices, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), empty_label=_("All"),
                                       choices=lambda: [(k.key, k.label) for k in registry.all_kinds()])
    email = django_filters.CharFilter(label=_("Recipient"), lookup_expr="icontains")

    class Meta:
        model = Notification
        fields = ["status", "kind", "email"]
