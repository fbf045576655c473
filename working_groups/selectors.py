"""Reads of the working-groups app that depend on who asks."""

from django.db.models import Count, Prefetch, Q

from members.models import Affiliation, Institution
from members.rules import is_secretariat, is_staff_member

from .models import Initiative, Membership, Participation, WorkingGroup


def sees_members_only(user) -> bool:
    return is_staff_member(user) or is_secretariat(user)


def initiatives_listed_for(user):
    """Initiatives that may be listed to ``user``: published, and public unless the user is staff
    of a member (or the secretariat). Members-only ones never reach a visitor: not in lists,
    feeds, search, counts or profiles."""
    qs = Initiative.objects.published()
    if not sees_members_only(user):
        qs = qs.filter(visibility=Initiative.Visibility.PUBLIC)
    return qs


# Long texts a card never shows: left in the database (a page of twenty cards otherwise fetches and
# decodes ~100 KB of bodies and search text it throws away).
CARD_DEFERRED = ("body", "body_html", "search_text", "outcomes", "partners", "links",
                 "institution__profile_ja", "institution__profile_en", "institution__search_text")


def initiative_cards(queryset):
    """What a card shows, without a query per card."""
    themes = Prefetch("themes", queryset=WorkingGroup.objects.only("id", "slug", "name_ja", "name_en", "order"))
    return queryset.select_related("institution").prefetch_related(themes).defer(*CARD_DEFERRED)


def latest_initiatives(user, *, group=None, institution=None, limit=6):
    qs = initiatives_listed_for(user)
    if group is not None:
        qs = qs.filter(themes=group)
    if institution is not None:
        qs = qs.filter(institution=institution)
    return list(initiative_cards(qs.order_by("-published_at", "-id"))[:limit])


def related_initiatives(initiative, user, limit=4):
    """Others on the same themes or in the same region, newest first."""
    from members.regions import region_of

    region = region_of(initiative.prefecture)
    themes = list(initiative.themes.values_list("pk", flat=True))
    qs = initiatives_listed_for(user).exclude(pk=initiative.pk).filter(
        Q(themes__in=themes) | Q(prefecture__in=region.codes if region else [])
    )
    ids = list(qs.order_by("-published_at", "-id").values_list("pk", flat=True).distinct()[: limit * 3])[:limit]
    return list(initiative_cards(Initiative.objects.filter(pk__in=ids)).order_by("-published_at", "-id"))


def group_counts(groups) -> dict[int, dict]:
    """Institutions and people per group (two grouped queries for any number of groups)."""
    ids = [g.pk for g in groups]
    institutions = dict(
        Participation.objects.active().filter(group_id__in=ids, institution__status=Institution.Status.ACTIVE)
        .values_list("group_id").annotate(n=Count("institution", distinct=True))
    )
    people = dict(
        Membership.objects.active().filter(group_id__in=ids).values_list("group_id").annotate(n=Count("user"))
    )
    return {pk: {"institutions": institutions.get(pk, 0), "people": people.get(pk, 0)} for pk in ids}


def group_participants(group, limit: int | None = None) -> list[dict]:
    """Participating institutions (the first ``limit``) with their registered people (two
    queries); flags an institution without a registered person."""
    participations = (
        Participation.objects.active().filter(group=group, institution__status=Institution.Status.ACTIVE)
        .select_related("institution").order_by("institution__name_kana")
    )
    participations = list(participations[:limit] if limit else participations)
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


def general_meeting_members(limit: int = 60):
    """The upper tier: the first ``limit`` active members, with their representatives (two queries);
    the directory lists them all."""
    institutions = list(Institution.objects.active().order_by("name_kana")[:limit])
    reps = {
        a.institution_id: a.user
        for a in Affiliation.objects.approved().filter(role=Affiliation.Role.REPRESENTATIVE,
                                                       institution__in=institutions).select_related("user")
    }
    return [{"institution": i, "representative": reps.get(i.pk)} for i in institutions]


def my_memberships(user) -> dict[int, Membership]:
    from .rules import memberships

    return {m.group_id: m for m in memberships(user)}


def pending_for_group(group) -> dict:
    return {
        "memberships": list(Membership.objects.pending().filter(group=group).select_related("user", "institution")),
        "participations": list(Participation.objects.pending().filter(group=group).select_related("institution")),
    }


def groups_to_coordinate(user) -> list[WorkingGroup]:
    from .rules import coordinated_group_ids

    ids = coordinated_group_ids(user)
    return list(WorkingGroup.objects.filter(pk__in=ids).active()) if ids else []


def current_groups_of(users) -> dict[int, set[int]]:
    """{user id: ids of the groups they are active members of}, counting a membership only while
    its holder is still staff of the institution it was made for and that institution is active
    (one query for any number of users; used by the weekly digest)."""
    from django.db.models import F

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
