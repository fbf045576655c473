"""Reads of the working-groups app that depend on who asks."""

from django.db.models import Count, Exists, F, OuterRef, Q

from members.cache import cached_fragment
from members.i18n import current_language, pick
from members.models import Affiliation, Institution, User
from members.notifications.rendering import url_in
from members.regions import PREFECTURES_BY_CODE, region_of
from members.selectors import secretariat_users

from .models import Initiative, Membership, Participation, WorkingGroup
from .rules import coordinated_group_ids, memberships, sees_members_only


def initiatives_listed_for(user):
    """Initiatives that may be listed to ``user``: published, and public unless the user is staff
    of a member (or the secretariat). Members-only ones never reach a visitor: not in lists,
    feeds, search, counts or profiles."""
    qs = Initiative.objects.published()
    if not sees_members_only(user):
        qs = qs.filter(visibility=Initiative.Visibility.PUBLIC)
    return qs


# What a card shows. Read as plain values (no model instances, no prefetch machinery): a page of
# twenty cards was 14 ms of a 25 ms search on the benchmark's machine, most of it building models
# and related managers that a card never uses; as tuples it is a fraction of that (bench/pages.py).
CARD_FIELDS = ("id", "slug", "language", "title", "summary", "title_translated", "summary_translated",
               "prefecture", "year", "visibility", "cover", "institution__name_ja", "institution__name_en")


class InitiativeCard:
    """One initiative as a card shows it: its own columns, its institution's names and its
    themes' names (``(name_ja, name_en)`` in the groups' order), with the model's accessors for
    the page's language."""

    __slots__ = (*(f.replace("institution__", "institution_") for f in CARD_FIELDS), "theme_names")

    def __init__(self, row: tuple, theme_names):
        for name, value in zip(self.__slots__, row, strict=False):
            setattr(self, name, value)
        self.theme_names = theme_names

    def _translated(self, own: str, translated: str) -> str:
        return translated if current_language() != self.language and translated else own

    def shown_title(self) -> str:
        return self._translated(self.title, self.title_translated)

    def shown_summary(self) -> str:
        return self._translated(self.summary, self.summary_translated)

    @property
    def institution_name(self) -> str:
        return pick(self.institution_name_ja, self.institution_name_en)

    @property
    def themes(self) -> list[str]:
        return [pick(ja, en) for ja, en in self.theme_names]

    @property
    def prefecture_info(self):
        return PREFECTURES_BY_CODE.get(self.prefecture)

    def __repr__(self):
        return f"<InitiativeCard {self.slug}>"


def card_rows(queryset):
    """``queryset`` (of initiatives) as the plain rows a card shows (``CARD_FIELDS``): still a
    queryset, so it can be filtered, ordered, sliced, counted and paginated. ``as_cards`` turns
    the rows of one page into cards."""
    return queryset.values_list(*CARD_FIELDS)


def as_cards(rows) -> list[InitiativeCard]:
    """``rows`` of ``card_rows`` as cards, with every card's themes in one more query: two
    queries for any number of cards."""
    rows = list(rows)
    if not rows:
        return []
    themes = theme_values(Initiative, [r[0] for r in rows], "name_ja", "name_en")
    return [InitiativeCard(row, themes.get(row[0], ())) for row in rows]


def theme_values(model, ids, *fields) -> dict[int, list]:
    """``{row id: its themes' fields}`` for the rows ``ids`` of ``model`` (a model with ``themes``),
    in the groups' order, each a value (one field) or a tuple (several): one query of the link
    table for a whole list. What cards and API rows show of their themes; a prefetch of the groups
    built a model of each and a related manager per row (a sixth of a computed list page)."""
    link = f"{model._meta.model_name}_id"
    rows = (model.themes.through.objects.filter(**{f"{link}__in": ids})
            .order_by("workinggroup__order", "workinggroup__slug")
            .values_list(link, *(f"workinggroup__{name}" for name in fields)))
    out: dict[int, list] = {}
    for row_id, *values in rows:
        out.setdefault(row_id, []).append(values[0] if len(values) == 1 else tuple(values))
    return out


def with_theme_slugs(initiatives) -> list:
    """``initiatives`` as a list, each with ``theme_slugs``: its themes' slugs in the groups' order
    (``theme_values``), what the API's list shows of a row's themes."""
    initiatives = list(initiatives)
    slugs = theme_values(Initiative, [i.pk for i in initiatives], "slug")
    for initiative in initiatives:
        initiative.theme_slugs = slugs.get(initiative.pk, [])
    return initiatives


def latest_initiatives(user, *, group=None, institution=None, limit=6):
    qs = initiatives_listed_for(user)
    if group is not None:
        qs = qs.filter(themes=group)
    if institution is not None:
        qs = qs.filter(institution=institution)
    return as_cards(card_rows(qs.order_by("-published_at", "-id"))[:limit])


def related_initiatives(initiative, themes, user, limit=4) -> list[InitiativeCard]:
    """Others on the same ``themes`` (the initiative's) or in the same region, newest first.

    The newest ``limit`` + 1 of a set of themes and a region, as cards, are the same for every
    initiative of those themes in that region: kept per (themes, region, audience) until an
    initiative, a group or a member changes, and the page's own initiative left out of them. A
    computed initiative page read and built them itself (four of its eleven queries)."""
    region = region_of(initiative.prefecture)
    theme_ids = sorted(theme.pk for theme in themes)
    codes = region.codes if region else []

    def newest():
        qs = initiatives_listed_for(user).filter(Q(themes__in=theme_ids) | Q(prefecture__in=codes))
        ids = list(qs.order_by("-published_at", "-id").values_list("pk", flat=True).distinct()[: limit + 1])
        return as_cards(card_rows(Initiative.objects.filter(pk__in=ids)).order_by("-published_at", "-id"))

    cards = cached_fragment("related-initiatives", ("initiatives", "groups", "members"),
                            (tuple(theme_ids), region.slug if region else "", sees_members_only(user), limit), newest)
    return [card for card in cards if card.id != initiative.pk][:limit]


def group_counts(groups) -> dict[int, dict]:
    """Institutions and people per group (two grouped queries for any number of groups), kept until
    a group, a participation, a membership or a member changes: the groups' page and the API's
    counted 27,000 participations and 100,000 memberships on every computed view at the large
    scale (38 ms)."""
    ids = sorted(g.pk for g in groups)
    return cached_fragment("group-counts", ("groups", "members"), tuple(ids), lambda: _group_counts(ids))


def _group_counts(ids) -> dict[int, dict]:
    institutions = dict(
        Participation.objects.active().filter(group_id__in=ids, institution__status=Institution.Status.ACTIVE)
        .values_list("group_id").annotate(n=Count("institution", distinct=True))
    )
    people = dict(
        Membership.objects.active().filter(group_id__in=ids).values_list("group_id").annotate(n=Count("user"))
    )
    return {pk: {"institutions": institutions.get(pk, 0), "people": people.get(pk, 0)} for pk in ids}


def _participations(group, limit):
    participations = (
        Participation.objects.active().filter(group=group, institution__status=Institution.Status.ACTIVE)
        .select_related("institution").order_by("institution__name_kana")
    )
    return list(participations[:limit] if limit else participations)


def group_participants(group, limit: int | None = None) -> list[dict]:
    """Participating institutions (the first ``limit``) with their registered people (two
    queries); flags an institution without a registered person."""
    participations = _participations(group, limit)
    members = list(
        Membership.objects.active().filter(group=group, institution__in=[p.institution_id for p in participations])
        .select_related("user", "institution").order_by("user__name")
    )
    by_institution = {}
    for m in members:
        by_institution.setdefault(m.institution_id, []).append(m)
    coordinators = {i.pk for i in group.coordinators.all()}
    rows = [
        {
            "institution": p.institution,
            "people": by_institution.get(p.institution_id, []),
            "coordinator": p.institution_id in coordinators,
        }
        for p in participations
    ]
    return rows


def group_participant_names(group, *, limit: int, names: bool) -> list[dict]:
    """The group page's list: the first ``limit`` participating institutions and, when ``names``
    (the reader may see them), the names of their registered people (two queries; one without
    names). The names are read as text, not as memberships with their people and institutions: a
    large group's first 60 institutions have hundreds of people, and building a model for each and
    rendering them one by one was most of the page's time."""
    participations = _participations(group, limit)
    by_institution = {}
    if names:
        rows = (Membership.objects.active()
                .filter(group=group, institution__in=[p.institution_id for p in participations])
                .order_by("user__name").values_list("institution_id", "user__name", "user__email"))
        for institution_id, name, email in rows:
            by_institution.setdefault(institution_id, []).append(name or email)  # User.get_full_name
    coordinators = {i.pk for i in group.coordinators.all()}
    return [
        {
            "institution": p.institution,
            "people": by_institution.get(p.institution_id, []),
            "coordinator": p.institution_id in coordinators,
        }
        for p in participations
    ]


def general_meeting_members(limit: int = 60, *, names: bool = True):
    """The upper tier: the first ``limit`` active members, with their representatives when
    ``names`` (two queries; one without); the directory lists them all."""
    institutions = list(Institution.objects.active().only("slug", "name_ja", "name_en").order_by("name_kana")[:limit])
    reps = {
        a.institution_id: a.user
        for a in Affiliation.objects.approved().filter(role=Affiliation.Role.REPRESENTATIVE,
                                                       institution__in=institutions).select_related("user")
    } if names else {}
    return [{"institution": i, "representative": reps.get(i.pk)} for i in institutions]


def my_memberships(user) -> dict[int, Membership]:
    return {m.group_id: m for m in memberships(user)}


def pending_for_group(group) -> dict:
    return {
        "memberships": list(Membership.objects.pending().filter(group=group).select_related("user", "institution")),
        "participations": list(Participation.objects.pending().filter(group=group).select_related("institution")),
    }


def _nobody_named():
    """The group of the row has no named coordinator: the secretariat hears of its requests
    (``coordinators_to_notify``) and decides them."""
    return ~Exists(Membership.objects.active().filter(group=OuterRef("group"), coordinator=True,
                                                       group__coordinators=F("institution_id")))


def _decided_here(user, *, secretariat: bool) -> Q:
    where = Q(group_id__in=coordinated_group_ids(user))
    if secretariat:
        where |= Q(_nobody_named())
    return where


def join_requests_for(user, *, secretariat: bool):
    """Requests to join a group that ``user`` decides: those of the groups they coordinate and, for
    the secretariat, of the groups nobody coordinates yet; never their own (a queryset)."""
    return (Membership.objects.pending().filter(_decided_here(user, secretariat=secretariat))
            .exclude(user_id=user.pk).select_related("user", "institution", "group").order_by("created_at", "pk"))


def participation_requests_for(user, *, secretariat: bool):
    """Institutions' requests to take part in a group that ``user`` decides (as join_requests_for)."""
    return (Participation.objects.pending().filter(_decided_here(user, secretariat=secretariat))
            .exclude(requested_by_id=user.pk).select_related("institution", "group").order_by("created_at", "pk"))


def initiative_drafts_of(user):
    """The person's own initiatives still in draft, latest edited first (a queryset)."""
    return Initiative.objects.filter(author_id=user.pk, status=Initiative.Status.DRAFT).order_by("-updated_at", "-pk")


def groups_to_coordinate(user) -> list[WorkingGroup]:
    ids = coordinated_group_ids(user)
    return list(WorkingGroup.objects.filter(pk__in=ids).active()) if ids else []


def current_groups_of(users) -> dict[int, set[int]]:
    """{user id: ids of the groups they are active members of}, counting a membership only while
    its holder is still staff of the institution it was made for and that institution is active
    (one query for any number of users; used by the weekly digest)."""
    rows = Membership.objects.active().filter(
        user__in=users,
        institution__status=Institution.Status.ACTIVE,
        institution__affiliations__user=F("user"),
        institution__affiliations__status=Affiliation.Status.APPROVED,
    ).values_list("user_id", "group_id").distinct()
    groups: dict[int, set[int]] = {}
    for user_id, group_id in rows:
        groups.setdefault(user_id, set()).add(group_id)
    return groups


def initiatives_for_digest(users, period) -> dict[int, list[dict]]:
    """The weekly digest's section of initiatives published during the week under the themes of
    each person's groups (three queries for the whole batch)."""
    groups_of = current_groups_of(users)
    wanted = set().union(*groups_of.values()) if groups_of else set()
    if not wanted:
        return {}
    initiatives = list(
        Initiative.objects.published().filter(published_at__gte=period.start, published_at__lt=period.end,
                                              themes__in=wanted)
        .distinct().select_related("institution").prefetch_related("themes").order_by("-published_at")[:200]
    )
    # Each initiative's item in each language is built once for the batch, not once per reader.
    themes = [(i, {g.pk for g in i.themes.all()}) for i in initiatives]
    item = {
        (i.pk, lang): {"title": (i.title_translated if i.language != lang and i.title_translated else i.title),
                       "url": url_in(lang, i), "meta": pick(i.institution.name_ja, i.institution.name_en, lang)}
        for i in initiatives for lang in ("ja", "en")
    }
    out = {}
    for user in users:
        mine = groups_of.get(user.pk, set())
        lang = "en" if user.language == "en" else "ja"
        items = [item[i.pk, lang] for i, groups in themes if mine & groups]
        if items:
            out[user.pk] = items[:20]
    return out


def group_coordinators(group) -> list[Membership]:
    """The group's named coordinators (active memberships flagged coordinator, registered for an
    institution that still coordinates the group, held by its current staff), with people and
    institutions (one query)."""
    return list(
        Membership.objects.active().filter(
            group=group, coordinator=True, group__coordinators=F("institution_id"),
            institution__status=Institution.Status.ACTIVE, user__is_active=True,
            institution__affiliations__user=F("user"),
            institution__affiliations__status=Affiliation.Status.APPROVED,
        ).distinct().select_related("user", "institution").order_by("institution__name_kana", "user__name")
    )


def coordinator_candidates(group, institution_ids=None) -> list[Membership]:
    """Active members of the group registered for one of its coordinating institutions (those of
    ``institution_ids`` only, when given): the people who may be named coordinator (one query)."""
    rows = Membership.objects.active().filter(group=group, group__coordinators=F("institution_id"),
                                              institution__status=Institution.Status.ACTIVE)
    if institution_ids is not None:
        rows = rows.filter(institution_id__in=institution_ids)
    return list(rows.select_related("user", "institution").order_by("institution__name_kana", "user__name"))


def coordinators_to_notify(group) -> list[User]:
    """Who hears of a request for ``group``: its named coordinators, else (nobody named yet) the
    secretariat. Staff of a coordinating institution who were not named hear nothing."""
    people = [m.user for m in group_coordinators(group)]
    return people or secretariat_users()
