"""Cursor pagination: stable under inserts, no count (a count of 200,000 initiatives is what makes
a page slow), and an opaque ``?cursor=`` a client cannot turn into an expensive offset."""

from django.core.exceptions import ValidationError
from django.db import DataError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from members.notifications.rendering import absolute


class Cursor(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    offset_cutoff = 1000

    invalid_cursor_message = _("This cursor is not valid: follow the next or previous link of a page.")

    def invalid(self):
        return exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise self.invalid() from None

    def get_ordering(self, request, queryset, view):
        return view.cursor_ordering

    def paginate_queryset(self, queryset, request, view=None):
        try:
            page = super().paginate_queryset(queryset, request, view)
        except (ValidationError, ValueError, TypeError, OverflowError, DataError):
            # a cursor whose position is not a value of the ordering's column (hand-made or damaged)
            raise self.invalid() from None
        # the next and previous links name the site's own address (settings.SITE_URL), not the
        # request's Host header, like every absolute link of the portal
        self.base_url = absolute(request.get_full_path())
        return page
