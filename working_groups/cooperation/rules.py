"""Who may do what with needs and expertise (checked on the object by every view).

A need is reviewed by the secretariat or by a coordinator of one of its themes (staff of a
coordinating institution of that group). Its submitter has no account: they act only through the
signed link of their confirmation e-mail (tokens.py), never through these rules.
"""

import rules

from members.rules import contact_institution_ids, institution_ids, is_secretariat, is_staff_member
from working_groups.rules import coordinated_group_ids, sees_members_only


def _theme_ids(need) -> set[int]:
    cached = getattr(need, "_theme_ids", None)
    if cached is None:
        cached = need._theme_ids = {g.pk for g in need.themes.all()}
    return cached


@rules.predicate
def is_theme_coordinator(user, need) -> bool:
    if need is None or not user.is_authenticated:
        return False
    coordinated = coordinated_group_ids(user)
    return bool(coordinated) and bool(coordinated & _theme_ids(need))


is_reviewer = is_secretariat | is_theme_coordinator


@rules.predicate
def coordinates_a_group(user) -> bool:
    return user.is_authenticated and bool(coordinated_group_ids(user))


@rules.predicate
def is_listed(user, need) -> bool:
    return need is not None and need.is_listed


@rules.predicate
def is_open(user, need) -> bool:
    return need is not None and need.is_open


@rules.predicate
def is_submitted(user, need) -> bool:
    return need is not None and need.status == need.Status.SUBMITTED


@rules.predicate
def is_expertise_author(user, entry) -> bool:
    """The author, while still staff of the entry's institution."""
    return entry is not None and entry.author_id == user.pk and entry.institution_id in institution_ids(user)


@rules.predicate
def is_contact_of_expertise(user, entry) -> bool:
    return entry is not None and entry.institution_id in contact_institution_ids(user)


can_edit_expertise = is_expertise_author | is_contact_of_expertise | is_secretariat


@rules.predicate
def can_read_expertise(user, entry) -> bool:
    return entry is not None and (entry.visibility == entry.Visibility.PUBLIC or sees_members_only(user))


def introduced_institution_ids(user, need) -> set[int]:
    """The user's institutions that were introduced for this need."""
    mine = institution_ids(user)
    if not mine or need is None:
        return set()
    return set(need.interests.filter(institution_id__in=mine, introduced_at__isnull=False)
               .values_list("institution_id", flat=True))


@rules.predicate
def was_introduced(user, need) -> bool:
    return bool(introduced_institution_ids(user, need))


@rules.predicate
def led_to_no_initiative_yet(user, need) -> bool:
    return need is not None and need.status in (need.Status.MATCHED, need.Status.CLOSED) and need.initiative_id is None


rules.add_perm("cooperation.view_need", is_listed | is_reviewer)
rules.add_perm("cooperation.review_queue", is_secretariat | coordinates_a_group)
rules.add_perm("cooperation.review_need", is_reviewer)
rules.add_perm("cooperation.publish_need", is_reviewer & is_submitted)
rules.add_perm("cooperation.decline_need", is_reviewer & is_submitted)
rules.add_perm("cooperation.return_need", is_reviewer & is_submitted)
rules.add_perm("cooperation.see_need_history", is_reviewer)
rules.add_perm("cooperation.express_interest", is_staff_member & is_open)
rules.add_perm("cooperation.introduce", is_reviewer)
rules.add_perm("cooperation.close_need", is_reviewer & is_listed)
rules.add_perm("cooperation.start_initiative", is_staff_member & was_introduced & led_to_no_initiative_yet)
rules.add_perm("cooperation.create_expertise", is_staff_member)
rules.add_perm("cooperation.view_expertise", can_read_expertise | can_edit_expertise)
rules.add_perm("cooperation.edit_expertise", can_edit_expertise)
rules.add_perm("cooperation.see_members_only_expertise", sees_members_only)
