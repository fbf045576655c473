"""Who may see, schedule, manage and register for meetings (checked on the object by every view)."""

import rules

from members.rules import is_secretariat, is_staff_member
from working_groups.rules import active_group_ids, coordinated_group_ids

from .models import Meeting


@rules.predicate
def can_see_meeting(user, meeting) -> bool:
    if meeting is None:
        return False
    if meeting.visibility == Meeting.Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if is_secretariat(user):
        return True
    if meeting.visibility == Meeting.Visibility.MEMBERS:
        return is_staff_member(user)
    # group members only (and the group's coordinators)
    return meeting.group_id is not None and (
        meeting.group_id in active_group_ids(user) or meeting.group_id in coordinated_group_ids(user)
    )


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
