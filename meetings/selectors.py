"""Reads of the meetings app that depend on who asks."""

from django.db.models import Q

from members.rules import is_secretariat, is_staff_member
from working_groups.rules import active_group_ids, coordinated_group_ids

from .models import Meeting, Registration


def meetings_visible_to(user):
    """Meetings ``user`` may see: public ones; members-only ones for staff of members; group-only
    ones for the group's members and coordinators; everything for the secretariat."""
    qs = Meeting.objects.all()
    if is_secretariat(user):
        return qs
    visible = Q(visibility=Meeting.Visibility.PUBLIC)
    if user.is_authenticated and is_staff_member(user):
        visible |= Q(visibility=Meeting.Visibility.MEMBERS)
    groups = active_group_ids(user) | coordinated_group_ids(user) if user.is_authenticated else set()
    if groups:
        visible |= Q(visibility=Meeting.Visibility.GROUP, group_id__in=groups)
    return qs.filter(visible)


def meeting_rows(queryset):
    """What a list row shows, in one query."""
    return queryset.select_related("group")


def next_meetings(*, groups, user) -> dict[int, Meeting]:
    """The next visible meeting of each group (one query for all groups)."""
    ids = [g.pk for g in groups]
    upcoming = (meetings_visible_to(user).not_cancelled().upcoming().filter(group_id__in=ids)
                .order_by("group_id", "starts_at"))
    out = {}
    for meeting in upcoming.only("pk", "group_id", "starts_at", "ends_at", "title_ja", "title_en")[:500]:
        out.setdefault(meeting.group_id, meeting)
    return out


def personal_meetings(user):
    """A person's calendar: meetings they registered for, and those of their groups."""
    groups = active_group_ids(user)
    mine = Q(registrations__user=user, registrations__status__in=[Registration.Status.CONFIRMED,
                                                                   Registration.Status.WAITING])
    return meetings_visible_to(user).filter(mine | Q(group_id__in=groups)).distinct()


def my_registration(user, meeting):
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(meeting=meeting, user=user).first()
