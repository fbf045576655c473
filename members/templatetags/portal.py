"""Template helpers used on every page (loaded as a builtin in settings)."""

import contextlib
import datetime

from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import NoReverseMatch, get_script_prefix, reverse, translate_url
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from members.audit.labels import label as audit_label
from members.i18n import current_language
from members.markup import escape_text as _escape
from members.markup import slug_url
from members.models import Institution
from members.pagination import page_links as links
from members.search import highlight as _highlight

register = template.Library()

_WEEKDAYS_JA = "月火水木金土日"


@register.simple_tag(takes_context=True)
def url_in_language(context, language):
    """The current page (with its query string) in another language: once per language and
    request (the header and the hreflang links ask three times), reversed from the view the
    request already resolved to, rather than resolving the path again."""
    request = context.get("request")
    if request is None:
        return f"/{language}/"
    memo = request.__dict__.setdefault("_url_in_language", {})
    if language not in memo:
        memo[language] = _in_language(request, language)
    return memo[language]


def _in_language(request, language) -> str:
    match = getattr(request, "resolver_match", None)
    url = None
    if match is not None and match.url_name:
        with translation.override(language), contextlib.suppress(NoReverseMatch):
            url = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        query = request.META.get("QUERY_STRING", "")
        if url is not None and query:
            url = f"{url}?{iri_to_uri(query)}"
    if url is None:  # an error page: no view was resolved
        url = translate_url(request.get_full_path(), language)
    # An address that names no page comes back as it was asked for, and one asked for as
    # /%2F%2Fevil.example/ comes back as ///evil.example/: a link to another site. Home instead.
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return f"/{language}/"
    return url


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
def iso_time(value):
    """A moment for ``<time datetime>``, in Japan time to the second: 2026-11-28T15:00:00+09:00.
    (Django's ``date:'c'`` writes microseconds, which HTML does not allow: at most three digits.)"""
    if not value:
        return ""
    value = _local(value)
    if isinstance(value, datetime.datetime):
        value = value.replace(microsecond=0)
    return value.isoformat()


@register.filter
def day_if_other(end, start):
    """The end's date (and a space) when it falls on another day than the start, in Japan time:
    a span reads 14:00–16:00 on one day, 14:00–2030年12月21日（土） 12:00 across two."""
    if not end or not start or _local(end).date() == _local(start).date():
        return ""
    return f"{day(end)} "


@register.filter
def hhmm(value):
    if not value:
        return ""
    return f"{_local(value):%H:%M}"


@register.filter
def yesno_label(value):
    return _("Yes") if value else _("No")


@register.filter(is_safe=True, needs_autoescape=True)
def paren(value, autoescape=True):
    """``value`` as an aside after the words before it: 「（満席）」 in Japanese (full-width, no space),
    " (full)" in English. Parentheses put around a word in a template were ASCII in both languages."""
    if value in (None, ""):
        return ""
    pattern = "（{}）" if current_language() == "ja" else " ({})"
    if autoescape:
        return format_html(pattern, value)
    return pattern.format(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def audit_action(action):
    return audit_label(action)


# The two largest fragments of the list pages are built here rather than in template loops: a
# Django template spends ~0.1 ms per variable, and a facet list or the map of Japan holds hundreds
# (bench/pages.py: 8 of the directory's 12 ms). Same markup, every value escaped. A translated
# string is taken outside any f-string: makemessages does not look inside them.


def _join(template: str, rows) -> str:
    """format_html_join without its per-value overhead (the map's 47 tiles took 3 ms through it);
    every value is escaped except markup already marked safe."""
    return "".join(template.format(*(v if isinstance(v, SafeData) else _escape(v) for v in row)) for row in rows)


@register.simple_tag
def facet_select(field, counts=None):
    """A filter's <select> with, when ``counts`` is given, the number of results of each choice."""
    current = "" if field.value() is None else str(field.value())
    everything = _("All")  # outside the f-string, where makemessages finds it
    options = []
    for value, label in field.field.choices:
        value = str(value)
        if not value:
            continue
        count = f" ({counts.get(value) or 0})" if counts is not None else ""
        selected = " selected" if value == current else ""
        options.append(f'<option value="{_escape(value)}"{selected}>{_escape(label)}{count}</option>')
    errors = field.errors
    name, html_id = _escape(field.html_name), _escape(field.id_for_label)
    error_class, invalid = (" field-error", ' aria-invalid="true"') if errors else ("", "")
    return mark_safe(
        f'<div class="field{error_class}">\n<label for="{html_id}">{_escape(field.label)}</label>\n'
        f'{errors or ""}<select name="{name}" id="{html_id}"{invalid}>\n'
        f'<option value="">{_escape(everything)}</option>\n' + "\n".join(options) + "</select>\n</div>"
    )


def _map_words(unit: str) -> dict:
    """What the map counts, in the current language: each tile's name for a screen reader, the
    caption, the table's caption and its column. Units: ``members`` (the directory), ``needs``
    (the needs board: 件 in Japanese)."""
    if unit == "needs":
        return {
            "tile": lambda name, n: ngettext("%(name)s: %(counter)s need", "%(name)s: %(counter)s needs", n) % {
                "name": name, "counter": n},
            "caption": _("Needs by prefecture, with the filters chosen. Choose a prefecture to list its needs."),
            "table": _("Needs by prefecture"),
            "column": pgettext("a column of the map's table: how many needs", "Needs"),
        }
    if unit != "members":
        raise ValueError(f"japan_map: unknown unit {unit!r}")
    return {
        "tile": lambda name, n: ngettext("%(name)s: %(counter)s member", "%(name)s: %(counter)s members", n) % {
            "name": name, "counter": n},
        "caption": _("Members by prefecture. Choose a prefecture to list its members."),
        "table": _("Members by prefecture"),
        "column": _("Members"),
    }


@register.simple_tag
def japan_map(tiles, legend, width, height, size, selected=None, unit="members"):
    """The tile map of Japan (members/japan_map.py), with its legend and the same data as a table;
    ``unit`` says what the counts are (``_map_words``)."""
    selected = "" if selected is None else str(selected)
    current = mark_safe(' aria-current="true"')
    words = _map_words(unit)

    def tile(t):
        label = words["tile"](t["name"], t["count"])
        chosen = t["code"] == selected
        return (t["href"], label, current if chosen else "", t["x"], t["y"], size, size, t["shade"],
                " selected" if chosen else "", t["cx"], t["cy"], "on-dark" if t["dark"] else "on-light",
                t["cx"], fit(t), t["label"], t["cx"], t["count"])

    def fit(t):
        if not t.get("fit"):
            return ""
        return mark_safe(f' textLength="{int(t["fit"])}" lengthAdjust="spacingAndGlyphs"')

    svg_tiles = _join(
        '<a href="{}" aria-label="{}"{}>\n      <rect x="{}" y="{}" width="{}" height="{}" rx="6" '
        'class="shade-{}{}"/>\n      <text x="{}" y="{}" text-anchor="middle" class="{}"><tspan x="{}" dy="-2"{}>{}'
        '</tspan><tspan x="{}" dy="13" class="tile-count">{}</tspan></text>\n    </a>',
        (tile(t) for t in tiles))
    svg_tiles = mark_safe(svg_tiles)

    def legend_text(row):
        if row["shade"] == 0:
            return _("none")
        return str(row["low"]) if row["low"] == row["high"] else f"{row['low']}–{row['high']}"

    legend_rows = format_html_join("", '<li><span class="shade-{}" aria-hidden="true"></span>{}</li>',
                                   ((row["shade"], legend_text(row)) for row in legend))
    table_rows = mark_safe(_join('<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td></tr>',
                                 ((t["href"], t["name"], t["count"]) for t in tiles)))
    return format_html(
        # The caption is the figure's first child (HTML allows it first or last); the svg keeps its
        # own role (graphics-document, the only one its links of prefectures allow) and is named by it.
        '<figure class="map-figure">\n'
        '  <figcaption id="map-caption">{}</figcaption>\n'
        '  <svg class="japan-map" viewBox="0 0 {} {}" aria-labelledby="map-caption">\n    {}\n  </svg>\n'
        '  <p class="visually-hidden" id="map-legend-title">{}</p>\n'
        '  <ul class="map-legend" aria-labelledby="map-legend-title">\n    {}\n  </ul>\n'
        '  <details class="map-table">\n    <summary>{}</summary>\n    <div class="table-wrap"><table>\n'
        '      <caption class="visually-hidden">{}</caption>\n'
        '      <thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>\n'
        '      <tbody>{}</tbody>\n    </table></div>\n  </details>\n</figure>',
        words["caption"], width, height, svg_tiles,
        _("Legend"), legend_rows, _("The same as a table"), words["table"], _("Prefecture"),
        words["column"], table_rows,
    )


@register.simple_tag
def institution_cards(institutions):
    """The directory's cards (members/includes/_institution_card.html did this ten times slower)."""

    english = current_language() == "en"
    kinds = {value: _escape(label) for value, label in Institution.Kind.choices}
    categories = {value: _escape(label) for value, label in Institution.Category.choices}
    url = slug_url("members:institution-detail")
    cards = []
    for institution in institutions:
        logo = (f'<img class="card-logo" src="{_escape(default_storage.url(institution.logo.name))}" alt="" '
                f'width="48" height="48" loading="lazy">' if institution.logo else "")
        other = f'<span lang="ja">{_escape(institution.name_ja)}</span>' if english else _escape(institution.name_en)
        prefecture = institution.prefecture_info
        place = _escape(prefecture.name) if prefecture else ""
        muted = " badge-muted" if institution.category == "cooperating" else ""
        cards.append(
            f'<li class="card institution-card">{logo}<h3><a href="{_escape(url(institution.slug))}">'
            f"{_escape(institution.name)}</a></h3>"
            f'<p class="meta">{other}</p>'
            f'<p class="meta">{kinds.get(institution.kind) or _escape(institution.kind)} · {place}</p>'
            f'<p><span class="badge{muted}">'
            f"{categories.get(institution.category) or _escape(institution.category)}</span></p></li>"
        )
    return mark_safe("\n".join(cards))


@register.filter
def page_links(page):
    """``{% for kind, n in page_obj|page_links %}``: see members.pagination.page_links."""
    return links(page)


@register.filter
def highlight(text, words):
    """``{{ title|highlight:words }}``: ``text`` escaped, the matches of the search's folded
    ``words`` in ``<mark>`` (members.search.highlight)."""
    return _highlight(str(text or ""), words or [])


@register.filter
def highlight_excerpt(text, words):
    """As ``highlight``, cut to about 160 characters around the first match (a summary or a profile)."""
    return _highlight(str(text or ""), words or [], length=160)


@register.simple_tag
def search_field(field):
    """A list's search box (``q``): the markup of ``field.as_field_group()`` (templates/django/
    forms/field.html and the input widget's templates) built in Python for the plain case, an
    optional text or search input without help text or errors. Through the template engine it was
    about 1 ms of every computed list page (five templates for one input); any other case, and any
    field with an error, goes through the templates as before."""
    widget = field.field.widget
    if (field.errors or field.help_text or field.field.required or not field.label or field.is_hidden
            or getattr(widget, "input_type", None) not in ("text", "search") or field.field.disabled):
        return field.as_field_group()
    attrs = {**widget.attrs}
    if "id" not in attrs and field.auto_id:
        attrs["id"] = field.auto_id
    value = widget.format_value(field.value())
    parts = [f'type="{widget.input_type}"', f'name="{_escape(field.html_name)}"']
    if value is not None:
        parts.append(f'value="{_escape(value)}"')
    for name, attr in attrs.items():
        if attr is True:
            parts.append(_escape(name))
        elif attr is not False and attr is not None:
            parts.append(f'{_escape(name)}="{_escape(attr)}"')
    return mark_safe(  # noqa: S308 - every value escaped
        f'<div class="field">\n<label for="{_escape(field.id_for_label)}">{_escape(field.label)}</label>\n'
        f'<input {" ".join(parts)}>\n</div>')


# What {% once %} rendered, by template, place, language, script prefix and the values it names.
_ONCE: dict[tuple, str] = {}


class OnceNode(template.Node):
    def __init__(self, nodelist, values):
        self.nodelist, self.values = nodelist, values

    def render(self, context):
        if settings.DEBUG:  # templates are read again on each request while developing
            return self.nodelist.render(context)
        key = (self.origin.name, self.token.lineno, translation.get_language(), get_script_prefix(),
               *(value.resolve(context) for value in self.values))
        found = _ONCE.get(key)
        if found is None:
            found = _ONCE[key] = self.nodelist.render(context)
        return found


@register.tag
def once(parser, token):
    """``{% once value ... %}...{% endonce %}``: the enclosed markup rendered once per process for
    each language and combination of the values named (which must be all it depends on besides the
    language, the URLs and the static files' names: nothing personal, no CSRF token). The site's
    navigation and footer are the same on every page but for the section shown: through the
    template engine, their twenty links and thirty translations were about half a millisecond of
    every page. The combinations are few (sections × yes/no), so the memo stays small."""
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist, values)
