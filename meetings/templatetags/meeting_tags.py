"""The list of meetings (the meetings page, the home page, a group's page, the account's calendar).

Built in Python as the initiative and need cards are (working_groups/templatetags): twenty rows
through the template engine, each with four date filters, two choice labels and a group, were most
of a computed meetings page. The markup is the one the template had; every value is escaped.
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from meetings.models import Meeting
from members.markup import escape_text as _e
from members.markup import pk_url, truncate
from members.templatetags.portal import day, hhmm, iso_time

register = template.Library()


@register.simple_tag
def meeting_list(meetings):
    """``meetings``: Meeting rows with their group loaded (select_related)."""
    if not meetings:
        empty = _("No meeting.")  # outside the f-string, where makemessages finds it
        return mark_safe(f"<p>{_e(empty)}</p>")  # noqa: S308 - escaped
    url = pk_url("meetings:meeting-detail")
    # the choices' labels translated once a list, not by get_FOO_display() for every row
    kinds = {value: str(label) for value, label in Meeting.Kind.choices}
    formats = {value: str(label) for value, label in Meeting.Format.choices}
    visibilities = {value: str(label) for value, label in Meeting.Visibility.choices}
    cancelled, changed = _("Cancelled"), _("Changed")
    rows = []
    for m in meetings:
        group = m.group
        meta = f"{_e(group.name)} · " if group is not None and not group.is_general_meeting else ""
        meta += f"{_e(kinds.get(m.kind, m.kind))} · {_e(formats.get(m.format, m.format))}"
        venue = m.venue_shown
        if venue:
            meta += f' · <span lang="{_e(m.venue_language)}">{_e(truncate(venue, 40))}</span>'
        if m.status == Meeting.Status.CANCELLED:
            meta += f' <span class="badge badge-danger">{_e(cancelled)}</span>'
        elif m.status == Meeting.Status.CHANGED:
            meta += f' <span class="badge badge-warn">{_e(changed)}</span>'
        if m.visibility != Meeting.Visibility.PUBLIC:
            meta += f' <span class="badge badge-muted">{_e(visibilities.get(m.visibility, m.visibility))}</span>'
        row_class = "meeting-row is-cancelled" if m.status == Meeting.Status.CANCELLED else "meeting-row"
        rows.append(
            f'<li class="{row_class}">\n'
            f'<p class="meeting-when"><time datetime="{_e(iso_time(m.starts_at))}">{_e(day(m.starts_at))} '
            f'<strong>{_e(hhmm(m.starts_at))}–{_e(hhmm(m.ends_at))}</strong> JST</time></p>\n'
            f'<div>\n<h3><a href="{url(m.pk)}" lang="{_e(m.title_language)}">{_e(m.title)}</a></h3>\n'
            f'<p class="meta">{meta}</p>\n</div>\n</li>\n'
        )
    return mark_safe('<ul class="meeting-list">\n' + "".join(rows) + "</ul>")  # noqa: S308 - escaped
