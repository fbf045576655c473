"""Who may do what with groups and initiatives (checked on the object by every view).

Roles (docs/architecture.md): staff (approved affiliation with an active member), institution contact,
WG coordinator (staff of a coordinating institution of that group), secretariat.
"""

import rules

from members.rules import (
    cached,
    contact_institution_ids,
    institution_ids,
    is_contact_of,
    is_secretariat,
    is_staff_member,
)

from .models import Initiative, Membership, WorkingGroup


def coordinated_groups_of(institutions_of: dict[int, set[int]]) -> dict[int, set[int]]:
    """{user id: groups one of their institutions coordinates}, from {user id: institution ids}
    (one query for any number of people)."""
    wanted = set().union(*institutions_of.values()) if institutions_of else set()
    if not wanted:
        return {}
    by_institution: dict[int, set[int]] = {}
    for group_id, institution_id in WorkingGroup.coordinators.through.objects.filter(
            institution_id__in=wanted).values_list("workinggroup_id", "institution_id"):
        by_institution.setdefault(institution_id, set()).add(group_id)
    return {uid: set().union(*(by_institution.get(i, set()) for i in ids)) for uid, ids in institutions_of.items()}


def memberships_of(institutions_of: dict[int, set[int]]) -> dict[int, list[Membership]]:
    """{user id: open (pending or active) memberships, with their groups} (one query). A membership
    counts only while its holder is staff of the institution it was made for and that institution
    is an active member (``institutions_of``): rights lapse with the affiliation, as staff rights do."""
    found: dict[int, list[Membership]] = {}
    people = [uid for uid, ids in institutions_of.items() if ids]
    if not people:
        return found
    rows = Membership.objects.filter(user_id__in=people, status__in=[Membership.Status.PENDING,
                                                                    Membership.Status.ACTIVE]).select_related("group")
    for membership in rows:
        if membership.institution_id in institutions_of[membership.user_id]:
            found.setdefault(membership.user_id, []).append(membership)
    return found


def coordinated_group_ids(user) -> set[int]:
    """Groups for which one of the user's institutions coordinates (one query, cached)."""
    ids = institution_ids(user)
    if not ids:
        return set()
    return cached(user, "coordinated_groups", lambda: coordinated_groups_of({user.pk: ids}).get(user.pk, set()))


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
rules.add_perm("working_groups.decide_membership", is_coordinator_of_request | is_secretariat)
rules.add_perm("working_groups.choose_groups", is_contact_of | is_secretariat)
rules.add_perm("working_groups.withdraw_participation", is_contact_of_request | is_secretariat)
rules.add_perm("working_groups.administer_groups", is_secretariat)
rules.add_perm("working_groups.see_member_names", is_staff_member | is_secretariat)
