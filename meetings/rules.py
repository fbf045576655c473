"""Who may see, schedule, manage and register for meetings (checked on the object by every view).

Who may see a meeting is one rule (``_clauses``), applied to one meeting by the views' permission,
to querysets by the selectors and feeds, and to many people at once by the notices and the digest.
"""

from dataclasses import dataclass
from functools import cached_property

import rules
from django.db.models import Q

from members.rules import cached, current_affiliations_of, is_secretariat, is_staff_member, secretariat_ids
from working_groups.models import Membership
from working_groups.rules import active_group_ids, coordinated_group_ids, coordinates, memberships_of

from .models import Meeting


@dataclass(frozen=True)
class Viewer:
    """What the meeting rule needs to know of a person: whether they act as the secretariat, are
    staff of an active member, and which groups' group-only meetings they see (the groups they
    belong to and those they coordinate)."""

    secretariat: bool = False
    staff: bool = False
    groups: frozenset[int] = frozenset()


NOBODY = Viewer()  # a visitor


class _Person:
    """A signed-in person as the rule sees them, each fact read (from the request's cache of the
    lower layers' rules) only when the rule needs it: a public meeting costs no query."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def secretariat(self) -> bool:
        return is_secretariat(self.user)

    @cached_property
    def staff(self) -> bool:
        return is_staff_member(self.user)

    @cached_property
    def groups(self) -> frozenset[int]:
        return frozenset(active_group_ids(self.user) | coordinated_group_ids(self.user))


def viewer(user):
    """The person as the rule sees them (a Viewer, its facts read lazily; cached for the request)."""
    if not user.is_authenticated:
        return NOBODY
    return cached(user, "meeting_viewer", lambda: _Person(user))


def viewers(user_ids) -> dict[int, Viewer]:
    """{user id: Viewer} for many people at once (three queries however many): for the notices a
    meeting sends and the digest's sections."""
    ids = list(user_ids)
    affiliations = current_affiliations_of(ids)
    institutions = {uid: {a.institution_id for a in rows} for uid, rows in affiliations.items()}
    secretariat = secretariat_ids(ids)
    groups = {uid: {m.group_id for m in rows if m.status == Membership.Status.ACTIVE or coordinates(m)}
              for uid, rows in memberships_of(institutions).items()}
    return {uid: Viewer(secretariat=uid in secretariat, staff=bool(institutions.get(uid)),
                        groups=frozenset(groups.get(uid, set())))
            for uid in ids}


# The rule, once: who sees a meeting of each visibility. ``may_see`` applies it to one meeting,
# ``visible_q`` to a queryset of meetings; both read the same clauses.
def _clauses(who):
    """(visibility, groups) pairs the person may see, (None, None) meaning everything; in the order
    that asks the fewest facts of a person first."""
    yield Meeting.Visibility.PUBLIC, None
    if who.secretariat:
        yield None, None
        return
    if who.staff:
        yield Meeting.Visibility.MEMBERS, None
    if who.groups:
        yield Meeting.Visibility.GROUP, who.groups


def may_see(who, meeting) -> bool:
    for visibility, groups in _clauses(who):
        if (visibility is None or meeting.visibility == visibility) and (groups is None or meeting.group_id in groups):
            return True
    return False


def visible_q(who) -> Q:
    condition = None
    for visibility, groups in _clauses(who):
        if visibility is None and groups is None:
            return Q()  # everything (an empty Q would vanish from an OR)
        clause = Q(visibility=visibility)
        if groups is not None:
            clause &= Q(group_id__in=sorted(groups))
        condition = clause if condition is None else condition | clause
    return condition


@rules.predicate
def can_see_meeting(user, meeting) -> bool:
    return meeting is not None and may_see(viewer(user), meeting)


@rules.predicate
def manages_meeting(user, meeting) -> bool:
    """Coordinators run their group's meetings; the general meeting and general symposia are the
    secretariat's."""
    if meeting is None or meeting.group_id is None or meeting.kind == Meeting.Kind.GENERAL:
        return False
    return meeting.group_id in coordinated_group_ids(user)


@rules.predicate
def can_schedule_for(user, group) -> bool:
    """Scheduling a meeting of ``group`` (None: a general symposium)."""
    if group is None or group.is_general_meeting:
        return False
    return group.status == group.Status.ACTIVE and group.pk in coordinated_group_ids(user)


rules.add_perm("meetings.view_meeting", can_see_meeting | is_secretariat)
rules.add_perm("meetings.manage_meeting", manages_meeting | is_secretariat)
rules.add_perm("meetings.schedule_meeting", can_schedule_for | is_secretariat)
rules.add_perm("meetings.register", (is_staff_member | is_secretariat) & can_see_meeting)
