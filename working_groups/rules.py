"""Who may do what with groups and initiatives (checked on the object by every view).

Roles (docs/architecture.md): staff (approved affiliation with an active member), institution contact,
WG coordinator (a named person: an active member of the group registered for one of its
coordinating institutions and named coordinator by that institution's contact or the
secretariat), secretariat. Nobody decides a request they made themselves.
"""

import rules
from django.db.models import Exists, OuterRef

from members.rules import (
    cached,
    contact_institution_ids,
    institution_ids,
    is_contact_of,
    is_secretariat,
    is_staff_member,
)

from .models import Initiative, Membership, Participation, WorkingGroup


def memberships_of(institutions_of: dict[int, set[int]]) -> dict[int, list[Membership]]:
    """{user id: open (pending or active) memberships, with their groups} (one query). A membership
    counts only while its holder is staff of the institution it was made for and that institution
    is an active member (``institutions_of``): rights lapse with the affiliation, as staff rights do.
    Each says whether its institution coordinates its group (``for_coordinator``): a person's
    coordinated groups are read from the same rows (``coordinated_group_ids``)."""
    found: dict[int, list[Membership]] = {}
    people = [uid for uid, ids in institutions_of.items() if ids]
    if not people:
        return found
    coordinating = WorkingGroup.coordinators.through.objects.filter(
        workinggroup_id=OuterRef("group_id"), institution_id=OuterRef("institution_id"))
    rows = Membership.objects.filter(
        user_id__in=people, status__in=[Membership.Status.PENDING, Membership.Status.ACTIVE],
    ).select_related("group").annotate(for_coordinator=Exists(coordinating))
    for membership in rows:
        if membership.institution_id in institutions_of[membership.user_id]:
            found.setdefault(membership.user_id, []).append(membership)
    return found


def coordinates(membership) -> bool:
    """A person coordinates the group of ``membership`` (one of ``memberships_of``'s) while they are
    named coordinator on it, it is active, and its institution still coordinates the group: the role
    lapses with the membership, the affiliation (``memberships_of`` keeps only current ones) or the
    institution's role."""
    return membership.status == Membership.Status.ACTIVE and membership.coordinator and membership.for_coordinator


def coordinated_groups_of(institutions_of: dict[int, set[int]]) -> dict[int, set[int]]:
    """{user id: groups they coordinate}, from {user id: their current institution ids} (one query
    for any number of people: their memberships, ``coordinates``)."""
    return {uid: found for uid, rows in memberships_of(institutions_of).items()
            if (found := {m.group_id for m in rows if coordinates(m)})}


def coordinated_group_ids(user) -> set[int]:
    """Groups the user is a named coordinator of (``coordinates``), read from the person's
    memberships: no query of its own; most signed-in pages ask both, the top menu's count the one,
    a meeting's visibility the other."""
    if not institution_ids(user):
        return set()
    return cached(user, "coordinated_groups", lambda: {m.group_id for m in memberships(user) if coordinates(m)})


def memberships(user) -> list:
    """The user's open group memberships (see memberships_of): one query, cached per request."""
    if not user.is_authenticated:
        return []
    return cached(user, "memberships", lambda: memberships_of({user.pk: institution_ids(user)}).get(user.pk, []))


def active_group_ids(user) -> set[int]:
    return {m.group_id for m in memberships(user) if m.status == m.Status.ACTIVE}


@rules.predicate
def is_coordinator_of(user, group) -> bool:
    return group is not None and group.pk in coordinated_group_ids(user)


@rules.predicate
def is_coordinator_of_request(user, request) -> bool:
    """For a membership or participation request: coordinator of its group."""
    return request is not None and request.group_id in coordinated_group_ids(user)


@rules.predicate
def is_own_request(user, request) -> bool:
    """The person asked for it themselves (a join request, or an institution's request they made):
    nobody decides their own request."""
    if request is None or not user.is_authenticated:
        return False
    asker = getattr(request, "requested_by_id", None) if isinstance(request, Participation) else request.user_id
    return asker == user.pk


@rules.predicate
def is_contact_of_coordinating_institution(user, group) -> bool:
    """A contact (or representative) of one of the group's coordinating institutions: they name the
    group's coordinators among their institution's members of the group."""
    if group is None or group.is_general_meeting:
        return False
    mine = contact_institution_ids(user)
    return bool(mine) and any(i.pk in mine for i in group.coordinators.all())


@rules.predicate
def may_name_coordinator(user, membership) -> bool:
    """Naming (or un-naming) the holder of ``membership``: a contact of the institution it is
    registered for, when that institution coordinates the group."""
    return (membership is not None and membership.institution_id in contact_institution_ids(user)
            and any(i.pk == membership.institution_id for i in membership.group.coordinators.all()))


@rules.predicate
def is_group_active(user, group) -> bool:
    return group is not None and group.status == group.Status.ACTIVE and not group.is_general_meeting


@rules.predicate
def is_author(user, initiative) -> bool:
    """The author, while still staff of the initiative's institution."""
    return (
        initiative is not None
        and initiative.author_id == user.pk
        and initiative.institution_id in institution_ids(user)
    )


@rules.predicate
def is_contact_of_initiative(user, initiative) -> bool:
    return initiative is not None and initiative.institution_id in contact_institution_ids(user)


@rules.predicate
def is_contact_of_request(user, request) -> bool:
    return request is not None and request.institution_id in contact_institution_ids(user)


@rules.predicate
def sees_members_only(user) -> bool:
    """Who may read members-only initiatives: staff of an active member, and the secretariat. The
    one rule of their visibility: this predicate and the lists (selectors.initiatives_listed_for)
    both ask it."""
    return is_staff_member(user) or is_secretariat(user)


@rules.predicate
def can_read_initiative(user, initiative) -> bool:
    if initiative is None:
        return False
    if initiative.status == Initiative.Status.DRAFT:
        return False  # drafts: editors only (composed below)
    return initiative.visibility == Initiative.Visibility.PUBLIC or sees_members_only(user)


can_edit_initiative = is_author | is_contact_of_initiative | is_secretariat

rules.add_perm("working_groups.create_initiative", is_staff_member)
rules.add_perm("working_groups.view_initiative", can_read_initiative | can_edit_initiative)
rules.add_perm("working_groups.edit_initiative", can_edit_initiative)
rules.add_perm("working_groups.unpublish_initiative", is_secretariat)
rules.add_perm("working_groups.view_members_only", sees_members_only)
rules.add_perm("working_groups.join_group", is_staff_member & is_group_active)
rules.add_perm("working_groups.manage_group", is_coordinator_of | is_secretariat)
rules.add_perm("working_groups.decide_membership", (is_coordinator_of_request | is_secretariat) & ~is_own_request)
rules.add_perm("working_groups.name_coordinators",
               (is_contact_of_coordinating_institution | is_secretariat) & is_group_active)
rules.add_perm("working_groups.name_coordinator", may_name_coordinator | is_secretariat)
rules.add_perm("working_groups.choose_groups", is_contact_of | is_secretariat)
rules.add_perm("working_groups.withdraw_participation", is_contact_of_request | is_secretariat)
rules.add_perm("working_groups.administer_groups", is_secretariat)
rules.add_perm("working_groups.see_member_names", is_staff_member | is_secretariat)
