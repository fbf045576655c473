"""The site's search (/search/): one query over every kind of content, counted per kind.

Nothing here decides what matches or who sees what. Each kind asks its own app: the rows anyone may
see listed (the same selectors as the app's own list: ``initiatives_listed_for``, which keeps
members-only initiatives from visitors and drafts from everyone; ``meetings_visible_to``; the
needs board's published needs; published news only, never an editor's draft) and the app's own
``search`` (``members.search.text_search``: folded words, grams, so 水 and 水素 are found). This
module only puts the kinds side by side.

Counts are capped (``COUNT_CAP``): all kinds are counted in one query, a UNION ALL of at most
``COUNT_CAP + 1`` ids per kind, so a common word costs as little as a rare one and the page's
number of queries does not grow with the kinds' sizes (SQLite, which refuses a LIMIT inside a UNION,
counts kind by kind) (the lists themselves never count a text search: members.pagination). Past the
cap a tab says "100+". The open tab's rows come from the lookahead paginator, as on every list's
search.

Each kind's matches are built once a request (``find``), for its count and its page: the
initiatives' search probes the indexes first (members/search.py, one query), and that probe runs
once. For a common word (more than ``PROBE_CAP`` initiatives hold it) the probe also gives the ids
of the matches it read; the initiatives' count looks among those by primary key first and
walks the rest of the table only if fewer than ``COUNT_CAP`` + 1 of them are matches a reader may see
(``(among) UNION ALL (the rest) LIMIT``: PostgreSQL stops at the limit). Walking the 200,000
initiatives for the hundred matches read thousands of rows' text (docs/scaling.md, "site search").
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from meetings.dissemination.models import NewsItem
from meetings.dissemination.selectors import news_rows
from meetings.selectors import meeting_rows, meetings_visible_to
from members.filters import directory_ordering
from members.models import Institution
from members.search import pk_among, probed_text_search
from working_groups.cooperation import selectors as cooperation
from working_groups.cooperation.models import Need, Partner
from working_groups.selectors import as_cards, card_rows, initiatives_listed_for

COUNT_CAP = 100
PER_PAGE = 20


@dataclass(frozen=True)
class Kind:
    """One tab of the results: ``matches(user, q)`` the rows ``user`` may see that match ``q``
    (a plain queryset, countable), with the ids a capped count looks among first (``Found``);
    ``rows(queryset)`` ordered with what a result shows; ``shown(page_rows)`` what the template
    gets for one page."""

    key: str
    label: object
    matches: Callable[[object, str], "Found"]
    rows: Callable[[QuerySet], QuerySet]
    template: str
    empty: object
    shown: Callable[[list], list] = list


@dataclass(frozen=True)
class Found:
    """A kind's matches for one request: ``queryset``, and ``candidates``, ids of matching rows
    the initiatives' probe read for a common word, where a capped count looks first (else empty)."""

    queryset: QuerySet
    candidates: list[int] = ()


def plain(matches: Callable[[object, str], QuerySet]) -> Callable[[object, str], Found]:
    return lambda user, q: Found(matches(user, q))


KINDS = (
    Kind("members", _("Member institutions"),
         plain(lambda user, q: Institution.objects.active().search(q)),
         lambda qs: qs.defer("profile_ja", "profile_en", "search_text").order_by(*directory_ordering()),
         "coalition/includes/_search_member.html", _("No member institution matches this search.")),
    Kind("initiatives", _("Initiatives"),
         lambda user, q: Found(*probed_text_search(initiatives_listed_for(user), q)),
         lambda qs: card_rows(qs.order_by("-published_at", "-id")),
         "coalition/includes/_search_initiative.html", _("No initiative you may see matches this search."), as_cards),
    Kind("meetings", _("Meetings"),
         plain(lambda user, q: meetings_visible_to(user).search(q)),
         lambda qs: meeting_rows(qs).defer("minutes", "minutes_html", "search_text").order_by("-starts_at", "-pk"),
         "coalition/includes/_search_meeting.html", _("No meeting you may see matches this search.")),
    Kind("news", _("News and statements"),
         plain(lambda user, q: NewsItem.objects.published().search(q)),
         lambda qs: news_rows(qs).order_by("-published_at", "-id"),
         "coalition/includes/_search_news.html", _("No news item or statement matches this search.")),
    Kind("needs", _("Needs"),
         plain(lambda user, q: Need.objects.listed().search(q)),
         lambda qs: qs.select_related("partner").defer("description_html", "search_text")
         .order_by("-published_at", "-id"),
         "coalition/includes/_search_need.html", _("No published need matches this search.")),
    Kind("partners", _("Partners"),
         plain(lambda user, q: Partner.objects.search(q)),
         lambda qs: qs.defer("search_text").order_by("name_ja", "id"),
         "coalition/includes/_search_partner.html", _("No partner matches this search.")),
    Kind("expertise", _("Expertise"),
         plain(lambda user, q: cooperation.expertise_listed_for(user).search(q)),
         # the result shows an excerpt of the description, which the cards leave in the database
         lambda qs: cooperation.expertise_cards(qs.order_by("-created_at", "-id")).defer(None)
         .defer("description_html", "search_text"),
         "coalition/includes/_search_expertise.html", _("No expertise entry you may see matches this search.")),
)
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}


def find(user, q: str) -> dict[str, Found]:
    """Each kind's matches for ``user`` (key -> ``Found``), built once for the counts and the page:
    the initiatives' probe of the gram index (one query) runs here; the rest are lazy querysets."""
    return {kind.key: kind.matches(user, q) for kind in KINDS}


def count_parts(key: str, found: Found) -> list[QuerySet]:
    """The capped id lists that count ``found``: its matches, or, with candidates, its matches
    among them and then the others (disjoint: together, every match)."""
    matches = found.queryset.order_by()
    label = Value(key, output_field=CharField())
    if not found.candidates:
        return [matches.values_list(label)[: COUNT_CAP + 1]]
    among = pk_among(found.candidates)
    return [matches.filter(among).values_list(label)[: COUNT_CAP + 1],
            matches.exclude(among).values_list(label)[: COUNT_CAP + 1]]


def hit_counts(found: dict[str, Found]) -> dict[str, int]:
    """How many rows of each kind match (``find``), each at most ``COUNT_CAP + 1`` (more than the
    cap: the tab says "100+"), in one query: a UNION ALL of capped id lists; a kind with
    candidates is ``(among them) UNION ALL (the rest)`` under its own LIMIT, so that PostgreSQL
    reads the rest only when the candidates hold too few."""
    db = found[KINDS[0].key].queryset.db
    if not connections[db].features.supports_slicing_ordering_in_compound:
        # SQLite (the embedded default) refuses a LIMIT inside a UNION: a query per kind there.
        return {kind.key: found[kind.key].queryset[: COUNT_CAP + 1].count() for kind in KINDS}
    selects, params = [], []
    for kind in KINDS:
        parts = []
        for part in count_parts(kind.key, found[kind.key]):
            try:
                sql, part_params = part.query.sql_with_params()
            except EmptyResultSet:  # none() (no initiative holds the grams): nothing to count
                continue
            parts.append(f"({sql})")
            params.extend(part_params)
        if len(parts) == 1:
            selects.append(parts[0])
        elif parts:
            selects.append(f"(SELECT * FROM ({' UNION ALL '.join(parts)}) AS {kind.key} LIMIT {COUNT_CAP + 1})")
    if not selects:
        return {kind.key: 0 for kind in KINDS}
    with connections[db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        found_keys = Counter(key for (key,) in cursor.fetchall())
    return {kind.key: found_keys.get(kind.key, 0) for kind in KINDS}


class SearchForm(forms.Form):
    """``q`` (at most 100 characters, as on every list) and ``kind`` (a tab; empty: the first tab
    with hits)."""

    q = forms.CharField(
        label=_("Search the site"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 水素, 信州, ZEB, symposium")}),
        error_messages={"max_length": _("A search can be at most %(limit_value)d characters long "
                                         "(it has %(show_value)d).")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", "")] + [(k.key, k.label) for k in KINDS],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("There is no such kind of result: choose one of the tabs "
                                            "(member institutions, initiatives, meetings, news, needs, "
                                            "partners or expertise).")},
    )
