"""The API's filters: the HTML lists' own FilterSets, with the same parameter names and values
(docs/urls.md). Only ``lang`` differs: on the API it chooses the language of the response."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from meetings.dissemination.filters import NewsFilter
from meetings.filters import MeetingFilter
from members.filters import directory_filterset_class
from working_groups.cooperation.filters import ExpertiseFilter, NeedFilter, PartnerFilter
from working_groups.filters import InitiativeFilter

# ``wg`` filters by a group chosen by its slug (a model choice): a string in the schema
slug_in_schema = extend_schema_field(OpenApiTypes.STR)


class FilterBackend(DjangoFilterBackend):
    """Invalid filter values (an unknown group, a search over 100 characters) are a 400 that
    names the parameter, as the HTML lists show the error rather than everything unfiltered."""


class InitiativeApiFilter(InitiativeFilter):
    lang = None  # the response's language on the API (coalition/api/views.py)

    class Meta(InitiativeFilter.Meta):
        fields = ["q", "wg", "region", "prefecture", "institution", "year"]


slug_in_schema(InitiativeApiFilter.base_filters["wg"])


def directory_filterset():
    """The directory's FilterSet (with the filters upper apps register), its ``wg`` documented."""
    filterset = directory_filterset_class()
    if "wg" in filterset.base_filters:
        slug_in_schema(filterset.base_filters["wg"])
    return filterset


class MeetingApiFilter(MeetingFilter):
    when = django_filters.ChoiceFilter(
        label=_("When"), choices=[("upcoming", _("Upcoming")), ("past", _("Past"))], method="filter_when",
        empty_label=None)

    class Meta(MeetingFilter.Meta):
        fields = ["wg", "format", "when"]

    def filter_when(self, queryset, name, value):
        return queryset  # validated here, applied by the view, which also orders by it


# The cooperation directories' and the news list's own FilterSets, as they are on the pages
PartnerApiFilter = PartnerFilter
NeedApiFilter = NeedFilter
ExpertiseApiFilter = ExpertiseFilter
for filterset in (NeedFilter, ExpertiseFilter):
    slug_in_schema(filterset.base_filters["wg"])
slug_in_schema(ExpertiseFilter.base_filters["institution"])


class NewsApiFilter(NewsFilter):
    """/news/'s filters but ``lang=en`` ("has English"): on the API ``lang`` is the response's language."""

    lang = None

    class Meta(NewsFilter.Meta):
        fields = ["q", "kind", "wg", "year"]


slug_in_schema(NewsApiFilter.base_filters["wg"])
