"""The meeting list's filters: wg and format (the same names as on every list)."""

import django_filters
from django.utils.translation import gettext_lazy

from working_groups.models import WorkingGroup

from .models import Meeting


class MeetingFilter(django_filters.FilterSet):
    wg = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Working group"), queryset=WorkingGroup.objects.order_by("order", "slug"),
        to_field_name="slug", field_name="group",
        error_messages={"invalid_choice": gettext_lazy("There is no such working group: choose one from the list.")},
    )
    format = django_filters.ChoiceFilter(
        label=gettext_lazy("Format"), choices=Meeting.Format.choices,
        error_messages={"invalid_choice": gettext_lazy("There is no such format: choose one from the list.")},
    )

    class Meta:
        model = Meeting
        fields = ["wg", "format"]
