"""Reads of the cooperation app: what each person may see, and the suggested matches of a need."""

import re
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from members.cache import cached_fragment
from members.facets import per_row_count
from members.i18n import fold, pick
from members.models import Institution
from members.notifications.rendering import url_in
from members.search import IdIn, newest_matching_any
from working_groups.models import Initiative, Participation
from working_groups.rules import sees_members_only
from working_groups.selectors import current_groups_of, initiatives_listed_for, theme_values

from . import geography
from .models import Expertise, Need, Partner


def needs_listed():
    """The board's rows: published needs and what came after, with their partner."""
    return Need.objects.listed().select_related("partner").prefetch_related("themes")


def need_cards(queryset):
    """The board's cards read what they show (need_tags.need_cards): not the descriptions (a few
    kilobytes a need), the search text or the partner's profile, which made the list's rows five
    times wider, nor the dates and contacts, each a value to convert for every row."""
    return queryset.only("title", "title_translated", "language", "prefecture", "help_kind", "status",
                         "partner__name_ja", "partner__name_en")


def with_theme_names(needs) -> list:
    """``needs`` as a list, each with ``theme_names``: its themes' names as ``(name_ja, name_en)``
    in the groups' order, for all of them in one query (``theme_values``, as the initiative cards
    read theirs); a partner's page, which did not prefetch, asked once per need."""
    needs = list(needs)
    if not needs:
        return needs
    names = theme_values(Need, [n.pk for n in needs], "name_ja", "name_en")
    for need in needs:
        need.theme_names = names.get(need.pk, [])
    return needs


def expertise_listed_for(user):
    """Expertise ``user`` may see listed: public, and members-only for staff and the secretariat."""
    qs = Expertise.objects.all()
    if not sees_members_only(user):
        qs = qs.public()
    return qs


def expertise_cards(queryset):
    return queryset.select_related("institution").prefetch_related("themes").defer(
        "description", "description_html", "description_translated", "description_translated_html",
        "search_text")


def partner_list():
    """Partners with their number of open needs, counted for the rows read (a subquery per row of
    the page; as a join and GROUP BY it counted the needs of all 20,000 partners at the large
    scale before sorting them for a page of 20: 70 ms)."""
    return Partner.objects.annotate(
        open_needs=per_row_count(Need.objects.filter(status__in=Need.OPEN_STATUSES), "partner"),
    ).defer("profile_ja", "profile_en", "search_text")


def initiatives_with_partner(partner, user) -> list[tuple[Institution, list]]:
    """The initiatives done with ``partner`` that ``user`` may see, grouped by institution."""
    rows = initiatives_listed_for(user).filter(partner_records=partner).select_related("institution").order_by(
        "institution__name_ja", "-published_at")
    grouped: dict[int, tuple] = {}
    for initiative in rows:
        grouped.setdefault(initiative.institution_id, (initiative.institution, []))[1].append(initiative)
    return list(grouped.values())


def review_queue_for(user, reviewer_groups: set[int] | None, secretariat: bool):
    """Needs waiting for review that ``user`` reviews: all for the secretariat, those of their
    themes for a coordinator."""
    qs = Need.objects.filter(status=Need.Status.SUBMITTED).prefetch_related("themes").order_by("confirmed_at")
    if not secretariat:
        qs = qs.filter(themes__in=reviewer_groups or []).distinct()
    return qs


def needs_for_digest(users, period) -> dict[int, list[dict]]:
    """The weekly digest's "new needs" section: needs published during the week under the themes of
    each person's groups (three queries for the whole batch)."""
    groups_of = current_groups_of(users)
    wanted = set().union(*groups_of.values()) if groups_of else set()
    if not wanted:
        return {}
    needs = list(Need.objects.open().filter(published_at__gte=period.start, published_at__lt=period.end,
                                            themes__in=wanted)
                 .distinct().select_related("partner").prefetch_related("themes").order_by("-published_at")[:200])
    themes = [(n, {g.pk for g in n.themes.all()}) for n in needs]
    item = {(n.pk, lang): {"title": n.title, "url": url_in(lang, n),
                           "meta": pick(n.partner.name_ja, n.partner.name_en, lang) if n.partner else ""}
            for n in needs for lang in ("ja", "en")}
    out = {}
    for user in users:
        mine = groups_of.get(user.pk, set())
        lang = "en" if user.language == "en" else "ja"
        items = [item[n.pk, lang] for n, groups in themes if mine & groups]
        if items:
            out[user.pk] = items[:20]
    return out


# Matching

MAX_TERMS = 8
_KANJI = re.compile(r"[\u4e00-\u9fff々]{2,}")
_KATAKANA = re.compile(r"[\u30a0-\u30ffー]{2,}")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}")
# Words of a need's title that say nothing of what it is about: each would bring the newest rows
# holding it as candidates (for "from" or "our", a large part of every English text) and a point
# to every row that has it. English words of one or two letters are never terms (_LATIN).
STOPWORDS = {
    "研究", "共同", "方法", "検討", "募集", "提供", "活用", "可能",
    "the", "and", "for", "with", "from", "our", "your", "their", "its", "this", "that", "these", "those",
    "into", "onto", "about", "via", "per", "how", "what", "which", "who", "are", "was", "were", "been",
    "has", "have", "will", "can", "could", "would", "should", "not", "but", "all", "any", "more", "than",
    "also", "some", "such", "use", "using", "need", "needs", "looking", "seeking", "want", "help",
}


def term_labels(text: str) -> dict[str, str]:
    """The words of a need's title that are searched for, folded like the stored text -> as the
    title writes them (a reason says "mentions シナリオ, LCA", not the folded "しなりお, lca" the
    search compares), in the title's order: katakana and Latin words whole, kanji compounds as their
    two-character pieces."""
    pieces = []
    for run in _KANJI.findall(text):
        pieces.extend([run] if len(run) <= 3 else (run[i:i + 2] for i in range(0, len(run) - 1, 2)))
    labels: dict[str, str] = {}
    for piece in [*pieces, *_KATAKANA.findall(text), *_LATIN.findall(text)]:
        labels.setdefault(fold(piece), piece)
    return labels


def key_terms(text: str) -> list[str]:
    """Search terms of a need's title (``term_labels``), without stop words, at most MAX_TERMS
    (Japanese has no spaces; a four-kanji compound such as 排出量推計 is found in other texts by
    its pieces)."""
    return [term for term in term_labels(text) if term not in STOPWORDS][:MAX_TERMS]


@dataclass
class Suggestion:
    obj: object
    score: int
    themes: list = field(default_factory=list)
    terms: list = field(default_factory=list)
    closeness: int = 0
    nationwide: bool = False


def _serving(codes_field: str, codes) -> Q:
    """Rows whose list of prefectures (",13,14,": each code between commas) holds one of ``codes``:
    one regular expression (PostgreSQL's ``~``, the REGEXP Django gives SQLite), not a
    ``contains`` per code, which made a need page build and compile some thirty conditions for
    a prefecture with many neighbours. The codes are two digits: nothing in them is special."""
    return Q(**{f"{codes_field}__regex": ",(" + "|".join(re.escape(code) for code in codes) + "),"})


def _place_score(prefecture: str, *, codes_field: str | None = None, code_field: str | None = None):
    """A CASE giving geography's closeness of each row to a need's prefecture (in SQL)."""
    if not prefecture:
        return Value(geography.NEIGHBOURING, output_field=IntegerField())  # anywhere: everyone is near
    same, region, neighbouring = geography.nearby(prefecture)

    def served(codes):
        return _serving(codes_field, codes) if codes_field else Q(**{f"{code_field}__in": codes})

    whens = [When(served(same), then=Value(geography.SAME_PREFECTURE))] if same else []
    if codes_field:
        whens.append(When(nationwide=True, then=Value(geography.SAME_REGION)))
    # Hokkaido is a region of one prefecture: no "same region" condition (an empty one is an error)
    whens += [When(served(codes), then=Value(closeness))
              for codes, closeness in ((region, geography.SAME_REGION), (neighbouring, geography.NEIGHBOURING))
              if codes]
    if not whens:
        return Value(geography.ELSEWHERE, output_field=IntegerField())
    return Case(*whens, default=Value(geography.ELSEWHERE), output_field=IntegerField())


def _near(prefecture: str, *, codes_field: str | None = None, code_field: str | None = None):
    """Rows in a need's prefecture or its region (a condition), or None for a need anywhere."""
    same, region, _neighbouring = geography.nearby(prefecture) if prefecture else ([], [], [])
    codes = same + region
    if not codes:
        return None
    if code_field:
        return Q(**{f"{code_field}__in": codes})
    return Q(nationwide=True) | _serving(codes_field, codes)  # expertise serving all of Japan is near everywhere


def _term_cases(terms):
    return {f"t{i}": Case(When(search_text__contains=term, then=Value(1)), default=Value(0),
                          output_field=IntegerField()) for i, term in enumerate(terms)}


def _theme_overlap(through, fk: str, theme_ids):
    rows = (through.objects.filter(**{fk: OuterRef("pk")}, workinggroup_id__in=theme_ids)
            .values(fk).annotate(c=Count("*")).values("c"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


# How many rows each source of candidates brings to the ranking (see _candidates).
CANDIDATES_PER_SOURCE = 60


def _candidates(queryset, *, theme_ids, terms, through, fk, near):
    """The rows worth ranking, as one subquery of ids: the newest rows sharing a theme, the newest
    sharing a theme near the need's place, and the newest holding a word of its title, at most
    CANDIDATES_PER_SOURCE each.

    Each source is read through an index: the themes' many-to-many table (by group), the place's
    own column, and for the words the stored grams' GIN index, or a walk newest first when the
    words are common (``members.search.newest_matching_any``: the statistics choose). The
    candidates were once "shares a theme OR contains a word" over the whole table: PostgreSQL
    cannot use an index for such an OR of a subquery and substring tests, so it read and tested
    every row (153 ms on 2,000 initiatives; a need page was 3 s at p95 on the benchmark). Now the
    ranking sees at most three sources' worth of rows whatever the table's size; an older row that
    only shares a theme, far away, is left out, and one sharing a word is found among the newest
    rows that contain it."""
    sources = []
    if theme_ids:
        themed = queryset.filter(pk__in=through.objects.filter(workinggroup_id__in=theme_ids).values(fk))
        sources.append(themed)
        if near is not None:
            sources.append(themed.filter(near))
    if terms:
        if connections[queryset.db].vendor == "postgresql":
            # the newest rows holding a word, by the plan the words' frequency calls for (a plain
            # condition walked all 200,000 initiatives for words in none: 1.2 s); twice the cap, as
            # some of them may be rows this person does not see. The source keeps the newest
            # CANDIDATES_PER_SOURCE visible ones: the same rows as from four times the cap whenever
            # half of the newest are visible (a visitor sees 80% of the initiatives at the large
            # scale), and the walk for common words stops twice as early (30 random needs: the
            # slowest 117 -> 20 ms for initiatives, 161 -> 7 ms for expertise; the short walk of
            # 2,000 rows finds 120 where it did not find 240, migration 0021)
            newest = newest_matching_any(queryset, terms, 2 * CANDIDATES_PER_SOURCE)
            sources.append(queryset.filter(IdIn(F("pk"), newest)))
        else:  # SQLite (the embedded default): a substring test, over its small tables
            text = Q()
            for term in terms:
                text |= Q(search_text__contains=term)
            sources.append(queryset.filter(text))
    if not sources:
        return None
    ids = [source.order_by().order_by("-pk").values("pk")[:CANDIDATES_PER_SOURCE] for source in sources]
    if len(ids) == 1:
        return ids[0]
    if not connections[queryset.db].features.supports_slicing_ordering_in_compound:
        # SQLite (the embedded default) refuses LIMIT inside a UNION: one small query per source
        return sorted({pk for source in ids for pk in source.values_list("pk", flat=True)})
    return ids[0].union(*ids[1:])


def _ranked(queryset, *, need, theme_ids, terms, through, fk, place, near, limit):
    candidates = _candidates(queryset, theme_ids=theme_ids, terms=terms, through=through, fk=fk, near=near)
    if candidates is None:
        return queryset.none()
    cases = _term_cases(terms)
    score = Value(0, output_field=IntegerField())
    for name in cases:
        score = score + cases[name]
    overlap = _theme_overlap(through, fk, theme_ids)
    return queryset.filter(pk__in=candidates).annotate(
        overlap=overlap, place=place, **cases,
    ).annotate(score=score + place + overlap * 3).order_by("-score", "-pk")[:limit]


def _explain(rows, need_themes, terms, *, labels=None, nationwide=lambda o: False) -> list[Suggestion]:
    labels = labels or {}
    out = []
    for row in rows:
        own = {g.pk for g in row.themes.all()}
        out.append(Suggestion(
            obj=row, score=row.score, themes=[g for g in need_themes if g.pk in own],
            terms=[labels.get(t, t) for i, t in enumerate(terms) if getattr(row, f"t{i}")],
            closeness=row.place, nationwide=nationwide(row),
        ))
    return out


def suggestions_for(need: Need, user, limit: int = 5) -> dict[str, list[Suggestion]]:
    """Suggested matches for a need, each with its reasons: expertise entries, initiatives done
    elsewhere that could be carried over, and institutions taking part in its themes nearby. Each
    list is one ranked query (themes shared, words of the need's title found, closeness of place)
    over indexed columns, limited in SQL; nothing scores every row in Python."""
    need_themes = list(need.themes.all())
    theme_ids = [g.pk for g in need_themes]
    terms, labels = key_terms(need.title), term_labels(need.title)

    expertise = _ranked(
        expertise_listed_for(user).select_related("institution").prefetch_related("themes").defer(
            "description", "description_html", "description_translated", "description_translated_html",
        "search_text"),
        need=need, theme_ids=theme_ids, terms=terms, through=Expertise.themes.through, fk="expertise_id",
        place=_place_score(need.prefecture, codes_field="prefectures"),
        near=_near(need.prefecture, codes_field="prefectures"), limit=limit)
    initiatives = _ranked(
        initiatives_listed_for(user).select_related("institution").prefetch_related("themes").only(
            "slug", "title", "title_translated", "language", "prefecture", "institution__slug",
            "institution__name_ja", "institution__name_en"),
        need=need, theme_ids=theme_ids, terms=terms, through=Initiative.themes.through, fk="initiative_id",
        place=_place_score(need.prefecture, code_field="prefecture"),
        near=_near(need.prefecture, code_field="prefecture"), limit=limit)
    institutions = institutions_for(theme_ids, need.prefecture, limit)
    out = {
        "expertise": _explain(expertise, need_themes, terms, labels=labels, nationwide=lambda e: e.nationwide),
        "initiatives": _explain(initiatives, need_themes, terms, labels=labels),
        "institutions": [Suggestion(obj=i, score=i.score, closeness=i.place) for i in institutions],
        "terms": terms,
    }
    if not need.prefecture:  # a need anywhere in Japan: distance says nothing
        for name in ("expertise", "initiatives", "institutions"):
            for suggestion in out[name]:
                suggestion.closeness = None
    return out


def _institutions_ranked(theme_ids, prefecture, limit: int) -> list:
    """The active institutions taking part in ``theme_ids``, ranked as the other suggestions are
    (three points a shared group, then closeness of place), each with ``overlap``, ``place`` and
    ``score``: one aggregate over the groups' participations joined to the institutions, each
    institution's count computed once (not a subquery per institution, twice: 32 ms at the large
    scale's 15,000 institutions).

    The need's prefecture first: when five of its institutions share every group, no institution
    elsewhere can pass or tie the last of them (its best is every group shared and the same region),
    and the ranking is read from that prefecture's rows alone (at the large scale: 5 ms against 22
    for the whole table, over 60 random needs); otherwise from everyone. Rings of region and
    neighbouring regions were measured too: a failed ring costs a query, and they lost on average."""
    if not theme_ids:
        return []
    place = _place_score(prefecture, code_field="prefecture")
    ranked = (
        Institution.objects.active()
        .filter(group_participations__status=Participation.Status.ACTIVE,
                group_participations__group_id__in=theme_ids)
        .annotate(overlap=Count("group_participations"), place=place)
        .annotate(score=F("overlap") * 3 + F("place"))
        .only("slug", "name_ja", "name_en", "prefecture").order_by("-score", "name_kana", "pk")
    )
    if prefecture:
        # every group shared and the same prefecture scores more than anyone elsewhere can
        found = list(ranked.filter(prefecture=prefecture)[:limit])
        if len(found) == limit and found[-1].score > 3 * len(set(theme_ids)) + geography.SAME_REGION:
            return found
    return list(ranked[:limit])


def institutions_for(theme_ids, prefecture: str, limit: int) -> list:
    """``_institutions_ranked``, kept until an institution or a group's membership changes
    (namespaces members and groups): it depends only on the need's themes and prefecture, so every
    need of the same themes and place shares it (the large scale's 50,000 needs have 432 such
    pairs), and it is the same for every reader (active institutions are public)."""
    theme_ids = sorted(theme_ids)
    return cached_fragment("need-institutions", ("members", "groups"), (tuple(theme_ids), prefecture, limit),
                           lambda: _institutions_ranked(theme_ids, prefecture, limit))


def institution_themes(institution_ids, theme_ids) -> dict[int, list[int]]:
    """{institution id: its active groups among theme_ids} (one query)."""
    out: dict[int, list[int]] = {}
    for inst, group in Participation.objects.filter(
            status=Participation.Status.ACTIVE, institution_id__in=institution_ids,
            group_id__in=theme_ids).values_list("institution_id", "group_id"):
        out.setdefault(inst, []).append(group)
    return out
