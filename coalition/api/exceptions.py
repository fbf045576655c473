"""Errors of the API in the caller's language, saying no more than the pages do."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.views import exception_handler as drf_exception_handler

NOT_FOUND = _("Not found, or you may not see it.")


def exception_handler(exc, context):
    # Django's 404 names the model ("No Initiative matches the given query."): say what the
    # pages say instead, the same for what does not exist and what the caller may not see.
    if isinstance(exc, Http404 | NotFound):
        exc = NotFound(NOT_FOUND)
    return drf_exception_handler(exc, context)
