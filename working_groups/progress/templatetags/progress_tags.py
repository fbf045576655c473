"""Template helpers of the progress pages."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from members.markup import escape_text as _e
from members.markup import slug_url

from ..models import fiscal_year_label

register = template.Library()


@register.filter
def fy(year) -> str:
    """A fiscal year as people write it: 2024年度 / FY2024."""
    return fiscal_year_label(year)


@register.simple_tag
def institution_rows(commitments):
    """The rows of /progress/'s institution table: ``commitments`` with their institutions loaded.
    Built in Python as the need cards are (need_tags.py): fifty rows through the template engine
    (a link reversed, a number formatted and three translations each) were half of a computed
    page's rendering at the large scale. The markup is the one the template had; every value is
    escaped."""
    url = slug_url("progress:institution-progress")
    members_only = _("Members only")  # outside the f-string, where makemessages finds it
    members_only = f' <span class="badge badge-muted">{_e(members_only)}</span>'
    yes, not_yet = _e(_("Yes")), _e(_("Not yet"))
    rows = []
    for c in commitments:
        badge = "" if c.is_public else members_only
        rows.append(
            f'<tr><th scope="row"><a href="{url(c.institution.slug)}">{_e(c.institution.name)}</a>{badge}</th>'
            f"<td>{_e(c.target_year)}</td><td>{_e(fiscal_year_label(c.latest_year))}</td>"
            f'<td class="num">{_e(floatformat(c.latest_emissions, "0g"))}</td>'
            f"<td>{yes if c.on_track else not_yet}</td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - escaped
