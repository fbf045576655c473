"""The API's filters: the HTML lists' own FilterSets, with the same parameter names and values
(docs/urls.md). Only ``lang`` differs: on the API it chooses the language of the response."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend

from meetings.filters import MeetingFilter
from working_groups.filters import InitiativeFilter


class FilterBackend(DjangoFilterBackend):
    """Invalid filter values (an unknown group, a search over 100 characters) are a 400 that
    names the parameter, as the HTML lists show the error rather than everything unfiltered."""


class InitiativeApiFilter(InitiativeFilter):
    lang = None  # the response's language on the API (coalition/api/views.py)

    class Meta(InitiativeFilter.Meta):
        fields = ["q", "wg", "region", "prefecture", "institution", "year"]


class MeetingApiFilter(MeetingFilter):
    when = django_filters.ChoiceFilter(
        label=_("When"), choices=[("upcoming", _("Upcoming")), ("past", _("Past"))], method="filter_when",
        empty_label=None)

    class Meta(MeetingFilter.Meta):
        fields = ["wg", "format", "when"]

    def filter_when(self, queryset, name, value):
        return queryset  # validated here, applied by the view, which also orders by it
