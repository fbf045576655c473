"""The initiative list's filters: q, wg, region, prefecture, institution, year (docs/urls.md)."""

import datetime

import django_filters
from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from members.cache import cached_fragment
from members.filters import chosen_filters
from members.models import Institution
from members.regions import PREFECTURE_CHOICES, REGION_CHOICES, REGIONS_BY_SLUG

from .models import Initiative, WorkingGroup

# Orders of the list other than newest first, by the value of ``?sort=``: name -> (label, a function
# ordering a queryset). An app that knows more about initiatives registers one (progress: ``adopted``).
SORTS: dict = {}


def register_sort(name: str, label, order) -> None:
    SORTS[name] = (label, order)


# Filters of the list that an app above adds, by their query parameter: name -> a function giving
# the facet's counts {value: n} for a queryset of the initiatives matching every other filter (one
# query). The filter itself joins InitiativeFilter's (progress: ``adopted``).
EXTRA_FACETS: dict = {}


def register_filter(name: str, filter_, counts) -> None:
    InitiativeFilter.base_filters[name] = filter_
    EXTRA_FACETS[name] = counts


def year_choices():
    return [(y, str(y)) for y in range(datetime.date.today().year + 1, 1999, -1)]


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 太陽光, ZEB, satoyama")}),
    )
    wg = django_filters.ModelChoiceFilter(
        label=_("Working group"), queryset=WorkingGroup.objects.themes().order_by("order", "slug"),
        to_field_name="slug", method="filter_wg",
    )
    region = django_filters.ChoiceFilter(label=_("Region"), choices=REGION_CHOICES, method="filter_region")
    prefecture = django_filters.ChoiceFilter(label=_("Prefecture"), choices=PREFECTURE_CHOICES)
    institution = django_filters.ModelChoiceFilter(
        label=_("Institution"), queryset=Institution.objects.all(), to_field_name="slug"
    )
    year = django_filters.TypedChoiceFilter(label=_("Year"), choices=year_choices, coerce=int)
    # for readers abroad: written in English, or with an English title and summary
    lang = django_filters.ChoiceFilter(label=_("Language"), choices=[("en", _("Has English"))], method="filter_lang")

    class Meta:
        model = Initiative
        fields = ["q", "wg", "region", "prefecture", "institution", "year", "lang"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_wg(self, queryset, name, value):
        return queryset.filter(themes=value)

    def filter_lang(self, queryset, name, value):
        return queryset.filter(Q(language="en") | ~Q(title_translated=""))

    def filter_region(self, queryset, name, value):
        return queryset.filter(prefecture__in=REGIONS_BY_SLUG[value].codes)


FACETS = {"wg": "themes__slug", "prefecture": "prefecture", "year": "year", "institution": "institution__slug"}


def initiative_facets(data, base, *, members: bool) -> dict[str, dict]:
    """Counts per value of each facet among the initiatives matching every other filter (one
    grouped query per facet, whatever the data), cached until an initiative, a group or a member
    changes. ``members``: the base includes members-only initiatives (a separate cache entry)."""
    data, params = chosen_filters(data, InitiativeFilter.base_filters)
    return cached_fragment("initiative-facets", ("initiatives", "groups", "members"), (members, params),
                           lambda: _facets(data, base))


def _facets(data, base) -> dict[str, dict]:
    out = {}
    for facet, column in FACETS.items():
        rest = data.copy()
        for key in {facet, "page"} | ({"region", "prefecture"} if facet == "prefecture" else set()):
            rest.pop(key, None)
        qs = InitiativeFilter(rest, queryset=base).qs.order_by()
        rows = qs.values_list(column).annotate(n=Count("id", distinct=True)).order_by("-n")
        if facet == "institution":
            rows = rows[:25]
        out[facet] = dict(rows)
    for facet, counts in EXTRA_FACETS.items():
        rest = data.copy()
        for key in (facet, "page"):
            rest.pop(key, None)
        out[facet] = counts(InitiativeFilter(rest, queryset=base).qs.order_by())
    return out
