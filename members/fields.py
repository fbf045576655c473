"""Model fields shared by the apps."""

from django.db import models


class URLField(models.URLField):
    """A URL whose form field assumes https:// when the scheme is left out (Django 6's default)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)
