"""Filters of the partner directory, the needs board and the expertise directory. The parameter
names are the site's (q, wg, region, prefecture, kind, status, year, institution; docs/urls.md)."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members import facets as counting
from members.models import Institution
from members.regions import PREFECTURE_CHOICES, REGION_CHOICES, REGIONS_BY_SLUG
from working_groups.models import WorkingGroup

from .models import Expertise, Need, Partner


def _search_widget(placeholder):
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


def _themes():
    return WorkingGroup.objects.themes().order_by("order", "slug")


def year_choices():
    return [(y, str(y)) for y in range(datetime.date.today().year + 1, 2020, -1)]


# A theme slug from an old bookmark or a typo: said in the portal's words, not Django's.
NO_SUCH_THEME = {"invalid_choice": _("There is no such working group: choose one from the list.")}


class SearchFilterSet(django_filters.FilterSet):
    """A filterset whose ``q`` probes the gram index once for all the filtersets of a page
    (members.search ``shared_gram_search``): ``search_memo`` is the page's dict, shared by
    ``look_up_once``; a filterset alone (the API) has its own. ``listing``: the filterset gives a
    list (walked in its order), not the rows of a count (``facets`` sets it off)."""

    listing = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_memo: dict = {}

    def filter_q(self, queryset, name, value):
        return queryset.search(value, memo=self.search_memo, listing=self.listing)


class PartnerFilter(SearchFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100,
                                  widget=_search_widget(_("e.g. 市, energy, 森林")))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Partner.Kind.choices)
    region = django_filters.ChoiceFilter(label=_("Region"), choices=REGION_CHOICES, method="filter_region")
    prefecture = django_filters.ChoiceFilter(label=_("Prefecture"), choices=PREFECTURE_CHOICES)

    class Meta:
        model = Partner
        fields = ["q", "kind", "region", "prefecture"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(prefecture__in=REGIONS_BY_SLUG[value].codes)


STATUS_OPEN, STATUS_ALL = "open", "all"
STATUS_CHOICES = [
    (STATUS_OPEN, pgettext_lazy("needs", "Open")),
    (Need.Status.PUBLISHED, Need.Status.PUBLISHED.label),
    (Need.Status.DISCUSSION, Need.Status.DISCUSSION.label),
    (Need.Status.MATCHED, Need.Status.MATCHED.label),
    (Need.Status.CLOSED, Need.Status.CLOSED.label),
    (STATUS_ALL, pgettext_lazy("needs", "All")),
]


class NeedFilter(SearchFilterSet):
    """The board; ``status`` is open (published or in discussion) unless asked otherwise."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100,
                                  widget=_search_widget(_("e.g. 地域, 森林, battery")))
    wg = django_filters.ModelChoiceFilter(label=_("Theme"), queryset=_themes(), to_field_name="slug",
                                          method="filter_wg", error_messages=NO_SUCH_THEME)
    region = django_filters.ChoiceFilter(label=_("Region"), choices=REGION_CHOICES, method="filter_region")
    prefecture = django_filters.ChoiceFilter(label=_("Prefecture"), choices=PREFECTURE_CHOICES,
                                             method="filter_prefecture")
    kind = django_filters.ChoiceFilter(label=_("Kind of help"), choices=Need.Help.choices, field_name="help_kind")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUS_CHOICES, method="filter_status",
                                         empty_label=None)
    year = django_filters.TypedChoiceFilter(label=_("Year"), choices=year_choices, coerce=int)

    class Meta:
        model = Need
        fields = ["q", "wg", "region", "prefecture", "kind", "status", "year"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        self.form.is_valid()
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=Need.OPEN_STATUSES)
        return queryset

    def filter_wg(self, queryset, name, value):
        return queryset.filter(themes=value)

    def filter_region(self, queryset, name, value):
        # a need anywhere in Japan is a need in every region
        return queryset.filter(Q(prefecture__in=REGIONS_BY_SLUG[value].codes) | Q(prefecture=""))

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(Q(prefecture=value) | Q(prefecture=""))

    def filter_status(self, queryset, name, value):
        if value == STATUS_OPEN:
            return queryset.filter(status__in=Need.OPEN_STATUSES)
        if value == STATUS_ALL:
            return queryset
        return queryset.filter(status=value)


class ExpertiseFilter(SearchFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100,
                                  widget=_search_widget(_("e.g. 森林, 蓄電池, hydrogen")))
    wg = django_filters.ModelChoiceFilter(label=_("Theme"), queryset=_themes(), to_field_name="slug",
                                          method="filter_wg", error_messages=NO_SUCH_THEME)
    region = django_filters.ChoiceFilter(label=_("Region served"), choices=REGION_CHOICES, method="filter_region")
    prefecture = django_filters.ChoiceFilter(label=_("Prefecture served"), choices=PREFECTURE_CHOICES,
                                             method="filter_prefecture")
    institution = django_filters.ModelChoiceFilter(label=_("Institution"), queryset=Institution.objects.all(),
                                                   to_field_name="slug", error_messages={
                                                       "invalid_choice": _("There is no such institution: "
                                                                           "choose one from the list.")})
    year = django_filters.TypedChoiceFilter(label=_("Year"), choices=year_choices, coerce=int)

    class Meta:
        model = Expertise
        fields = ["q", "wg", "region", "prefecture", "institution", "year"]

    def filter_wg(self, queryset, name, value):
        return queryset.filter(themes=value)

    def filter_region(self, queryset, name, value):
        return queryset.serving(REGIONS_BY_SLUG[value].codes)

    def filter_prefecture(self, queryset, name, value):
        return queryset.serving([value])


def facets(filterset_class, data, base, columns: dict[str, str | tuple[str, int]], fixed: dict | None = None,
           lookups: dict | None = None) -> dict[str, dict]:
    """Counts per value of each facet among the rows matching every other filter: one grouped
    query per set of facets counting the same rows (``members.facets``), whatever the data.
    ``fixed``: parameters set for every count (the status facet counts every status, not only the
    open ones the board shows by default). ``lookups``: the page's memo of chosen objects and of its
    search's probe (``look_up_once``), shared with its own filterset.

    One filterset is validated for all the facets: a facet's rows are those of the filters'
    cleaned values without its own (and, for the prefecture, without the region). The filters are
    independent fields, so this is what a filterset of the parameters without the facet's own
    would filter; building and validating a form per facet (its fields deep-copied, the
    prefectures' choices with them) was a third of a computed board's time."""
    lookups = {} if lookups is None else lookups
    params = data.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    for key, value in (fixed or {}).items():
        params[key] = value
    filterset = look_up_once(filterset_class(params, queryset=base), lookups)
    filterset.listing = False  # counts: common words through the gram index (members.search)
    filterset.is_valid()
    cleaned = filterset.form.cleaned_data
    querysets = {}
    try:
        for facet, column in columns.items():
            left_out = {facet} | ({"region", "prefecture"} if facet == "prefecture" else set())
            filterset.form.cleaned_data = {k: v for k, v in cleaned.items() if k not in left_out or k in (fixed or {})}
            # a column, or (column, how many of its values with the most rows: members.facets)
            querysets[facet] = (filterset.filter_queryset(base.all()), *((column,) if isinstance(column, str)
                                                                         else column))
    finally:
        filterset.form.cleaned_data = cleaned
    # a search: the facets whose own filters are not chosen count the same rows, found once
    found = counting.counts(querysets, together=bool(cleaned.get("q")))
    return {facet: {str(k): n for k, n in values.items()} for facet, values in found.items()}


def look_up_once(filterset, lookups: dict):
    """A model choice (a theme given by its slug) is looked up once for all of a page's filtersets
    (its list and each facet count), not once per filterset: the first form to clean a value looks
    it up, the next ones take the same object, or the same error for a slug that matches nothing
    (their field's ``to_python`` answers from ``lookups``). Five facets with a theme chosen made the
    board read the same working group five times. Its text search keeps its probe of the gram index
    in ``lookups`` too (``SearchFilterSet``). Returns ``filterset``."""
    filterset.search_memo = lookups
    form = filterset.form
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        value = form.data.get(name)
        if not value:
            continue
        key = (name, value)
        if key in lookups:
            field.to_python = lambda _value, key=key: _replay(lookups[key])
        else:
            lookup = field.to_python

            def remember(raw, lookup=lookup, key=key):
                try:
                    lookups[key] = lookup(raw)
                except ValidationError as exc:
                    lookups[key] = exc
                return _replay(lookups[key])

            field.to_python = remember
    return filterset


def _replay(found):
    if isinstance(found, ValidationError):
        raise found
    return found
