"""Views of the working-groups app."""

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from .models import WorkingGroup


class WorkingGroupListView(ListView):
    template_name = "working_groups/workinggroup_list.html"

    def get_queryset(self):
        return WorkingGroup.objects.active().prefetch_related("coordinators")


class WorkingGroupDetailView(DetailView):
    template_name = "working_groups/workinggroup_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(WorkingGroup.objects.prefetch_related("coordinators"), slug=self.kwargs["slug"])


class InitiativeListView(TemplateView):
    template_name = "working_groups/initiative_list.html"
