"""Template helpers used on every page (loaded as a builtin in settings)."""

import datetime

from django import template
from django.urls import translate_url
from django.utils import timezone
from django.utils.translation import gettext as _

from members.i18n import current_language

register = template.Library()

_WEEKDAYS_JA = "月火水木金土日"


@register.simple_tag(takes_context=True)
def url_in_language(context, language):
    """The current page (with its query string) in another language."""
    request = context.get("request")
    if request is None:
        return f"/{language}/"
    return translate_url(request.get_full_path(), language)


def _local(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


@register.filter
def day(value):
    """A date with its weekday: 2026年11月28日（土） / Sat 28 Nov 2026."""
    if not value:
        return ""
    value = _local(value)
    if current_language() == "ja":
        return f"{value.year}年{value.month}月{value.day}日（{_WEEKDAYS_JA[value.weekday()]}）"
    return value.strftime("%a %-d %b %Y")


@register.filter
def when(value):
    """A moment in Japan time with date, weekday, time and zone: 2026年11月28日（土）15:00 JST."""
    if not value:
        return ""
    value = _local(value)
    return f"{day(value)} {value:%H:%M} JST"


@register.filter
def hhmm(value):
    if not value:
        return ""
    return f"{_local(value):%H:%M}"


@register.filter
def yesno_label(value):
    return _("Yes") if value else _("No")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def audit_action(action):
    from members.audit.labels import label

    return label(action)
