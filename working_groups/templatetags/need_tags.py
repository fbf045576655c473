"""The need cards of the board, a partner's page and the home page.

Built in Python as the initiative cards are (initiative_tags.py): twenty cards took 3.5 ms of a
computed board page through the template engine, a quarter of its rendering. The markup is the
one the template had; every value is escaped.
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from members.i18n import pick
from members.markup import escape_text as _e
from members.markup import pk_url
from working_groups.cooperation.models import Need

register = template.Library()


@register.simple_tag
def need_cards(needs):
    """``needs``: Need rows with their partner loaded (select_related) and their themes' names
    (cooperation.selectors ``with_theme_names``)."""
    if not needs:
        empty = _("No need matches these filters.")  # outside the f-string, where makemessages finds it
        return mark_safe(f"<p>{_e(empty)}</p>")  # noqa: S308 - escaped
    anywhere = _("Anywhere in Japan")
    url = pk_url("cooperation:need-detail")
    # the choices' labels translated once a list: get_FOO_display() builds a dict of the field's
    # choices (hashing each lazy label, a translation each) for every call, two a card
    kinds = {value: str(label) for value, label in Need.Help.choices}
    statuses = {value: str(label) for value, label in Need.Status.choices}
    cards = []
    for n in needs:
        prefecture = n.prefecture_info
        place = (prefecture.name if prefecture else "") if n.prefecture else anywhere
        partner = f"{_e(n.partner.name)} · " if n.partner else ""
        muted = "" if n.is_open else " badge-muted"
        themes = "".join(f'<span class="badge badge-muted">{_e(pick(ja, en))}</span> ' for ja, en in n.theme_names)
        cards.append(
            f'<li class="card"><h3><a href="{url(n.pk)}" lang="{_e(n.title_language)}">{_e(n.shown_title)}</a></h3>\n'
            f'<p class="meta">{partner}{_e(place)} · {_e(kinds.get(n.help_kind, n.help_kind))}</p>\n'
            f'<p><span class="badge{muted}">{_e(statuses.get(n.status, n.status))}</span> {themes}</p></li>\n'
        )
    return mark_safe('<ul class="card-grid need-cards">\n' + "".join(cards) + "</ul>")  # noqa: S308 - escaped
