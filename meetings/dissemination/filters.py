"""The news list's filters: q, kind, wg, year, lang (docs/urls.md)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from working_groups.filters import year_choices
from working_groups.models import WorkingGroup

from .models import NewsItem


class NewsFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=NewsItem.Kind.choices)
    wg = django_filters.ModelChoiceFilter(
        label=_("Working group"), queryset=WorkingGroup.objects.order_by("order", "slug"),
        to_field_name="slug", method="filter_wg",
    )
    year = django_filters.TypedChoiceFilter(label=_("Year"), choices=year_choices, coerce=int)
    lang = django_filters.ChoiceFilter(label=_("Language"), choices=[("en", _("Has English"))],
                                       method="filter_lang")

    class Meta:
        model = NewsItem
        fields = ["q", "kind", "wg", "year", "lang"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_wg(self, queryset, name, value):
        # written for the group, or adopted by it
        return queryset.filter(Q(group=value) | Q(adopted_by=value))

    def filter_lang(self, queryset, name, value):
        return queryset.has_english()
