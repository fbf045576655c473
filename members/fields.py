"""Model fields and validators shared by the apps."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


class URLField(models.URLField):
    """A URL whose form field assumes https:// when the scheme is left out (Django 6's default)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)



@deconstructible
class ReservedSlugValidator:
    """Refuses slugs taken by pages under the same prefix (/members/apply/, /working-groups/new/):
    an object there could never be reached."""

    def __init__(self, *words):
        self.words = tuple(words)
        self.reserved = frozenset(words)

    def __call__(self, value):
        if value in self.reserved:
            raise ValidationError(_("“%(slug)s” is used by the portal itself; choose another address name."),
                                  params={"slug": value}, code="reserved")

    def __eq__(self, other):
        return isinstance(other, ReservedSlugValidator) and self.words == other.words

    def __hash__(self):
        return hash(self.words)


def row_id(value) -> int | None:
    """An id a form or a query string sends (a row's primary key), or None when it is not one: only
    ASCII digits ("²".isdigit() is true and int() refuses it), and at most 18 of them (a bigint)."""
    value = str(value or "")
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None
