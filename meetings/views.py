"""Views of the meetings app."""

from django.views.generic import TemplateView


class MeetingListView(TemplateView):
    template_name = "meetings/meeting_list.html"
