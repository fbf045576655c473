"""What this app adds to pages of the lower layers (members/extensions.py registries)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members import extensions
from members.audit.labels import register as register_audit_labels
from members.notifications.rendering import absolute

from . import selectors
from .models import CalendarFeed
from .rules import can_see_meeting
from .services import user_withdraw_from_meetings


def _group_meetings(request, group):
    visible = selectors.meetings_visible_to(request.user).filter(group=group)
    return {
        "group": group,
        "upcoming": list(selectors.meeting_rows(visible.upcoming())[:5]),
        "past": list(selectors.meeting_rows(visible.past())[:5]),
        "can_schedule": request.user.has_perm("meetings.schedule_meeting", group),
    }


def _group_row_next_meeting(request, groups):
    """Each group's next meeting on the group list (one query for all groups)."""
    return {"next": selectors.next_meetings(groups=groups, user=request.user)}


def _account_calendar(request):
    """The person's upcoming meetings, and the places they hold for meetings they may no longer
    see (they left the group, their institution was suspended): those are listed by title only,
    so that the place can be given up. One query for both; who may see what is the rule's."""
    user = request.user
    feed = CalendarFeed.objects.filter(user=user).first()
    held = list(selectors.registrations_held(user)[:50])
    upcoming, lapsed = [], []
    for registration in held:
        if can_see_meeting(user, registration.meeting):
            upcoming.append(registration.meeting)
        elif not registration.meeting.is_cancelled:
            lapsed.append(registration)
    return {
        "upcoming": upcoming[:10],
        "lapsed": lapsed[:10],
        "feed_url": absolute(reverse("meetings:personal-feed", kwargs={"token": feed.token})) if feed else "",
    }


def register():
    register_audit_labels({
        "document.add": _("attached a document"),
        "document.version": _("uploaded a new version of a document"),
        "minutes.publish": _("published the minutes"),
        "minutes.republish": _("published a correction of the minutes"),
    })
    extensions.register_section(
        "group_row", extensions.Section("next-meeting", "meetings/includes/_group_row_next_meeting.html",
                                        _group_row_next_meeting, 10)
    )

    extensions.register_anonymise_hook(user_withdraw_from_meetings)
    extensions.register_section(
        "group_detail", extensions.Section("meetings", "meetings/includes/_group_meetings.html", _group_meetings, 10)
    )
    extensions.register_section(
        "account", extensions.Section("calendar", "meetings/includes/_account_calendar.html", _account_calendar, 20)
    )
