"""The notification kinds of the meetings app: notices about meetings and registrations.

Every message says the time in Japan time with the weekday, the place or how to join, and links to
the meeting and its .ics. Reminders carry the start time they were made for: a reminder still
queued when its meeting moves or is cancelled is dropped at delivery (registry.Obsolete).
"""

from email.mime.text import MIMEText

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from members.models import User
from members.notifications.registry import STAFF, Kind, Obsolete, register
from members.notifications.rendering import absolute

from . import tokens
from .calendar import calendar_of
from .digest import body_parts as digest_body
from .models import Registration, VisitorRegistration
from .selectors import who_may_see


def _meeting_links(meeting):
    return {
        "meeting": meeting,
        "meeting_url": absolute(meeting.get_absolute_url()),
        "ical_url": absolute(meeting.ical_url()),
        "agenda": list(meeting.agenda.all()),
    }


def _has_place(notification, meeting) -> bool:
    """Is the recipient confirmed, and may they still see the meeting (checked when the message
    goes out, not when it was queued)? Only then does a message show the online link."""

    if not notification.recipient_id:
        return False
    holder = User.objects.filter(pk=notification.recipient_id, is_active=True, registrations__meeting=meeting,
                                 registrations__status=Registration.Status.CONFIRMED)
    return bool(who_may_see(meeting, holder))


def _meeting(notification):
    meeting = notification.target
    if meeting is None:
        raise Obsolete("the meeting no longer exists")
    if notification.kind in ("meeting_announced",) and meeting.is_cancelled:
        raise Obsolete("the meeting was cancelled")
    context = _meeting_links(meeting)
    context["show_online_link"] = notification.kind == "meeting_changed" and _has_place(notification, meeting)
    return context


def _reminder(notification):
    meeting = notification.target
    if meeting is None or meeting.is_cancelled:
        raise Obsolete("the meeting was cancelled")
    if notification.context.get("starts_at") != meeting.starts_at.isoformat():
        raise Obsolete("the meeting moved: a reminder for the new time is sent instead")
    context = _meeting_links(meeting)
    context["days"] = 7 if notification.kind == "meeting_reminder_week" else 1
    context["show_online_link"] = _has_place(notification, meeting)
    return context


def _registration(notification):
    registration = notification.target
    if registration is None:
        raise Obsolete("the registration no longer exists")
    context = _meeting_links(registration.meeting)
    context["registration"] = registration
    context["show_online_link"] = registration.status == registration.Status.CONFIRMED
    return context


def _ics(notification):
    """The event as an attachment, with the online link for a confirmed participant."""
    registration = notification.target
    meeting = registration.meeting
    online = {meeting.pk} if registration.status == registration.Status.CONFIRMED else set()
    with translation.override(notification.language):
        data = calendar_of([meeting], language=notification.language, online_for=online)
    part = MIMEText(data.decode(), "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename="meeting.ics")
    return [part]


def _visitor_links(notification, registration) -> dict:
    context = _meeting_links(registration.meeting)
    context["registration"] = registration
    with translation.override(notification.language):
        context["cancel_url"] = absolute(reverse("meetings:visitor-cancel",
                                                 kwargs={"token": tokens.make_cancel_token(registration=registration)}))
    return context


def _visitor_confirm(notification):
    """The double opt-in link; to an address already holding a place, its cancel link instead."""
    registration = notification.target
    if registration is None or registration.status == VisitorRegistration.Status.CANCELLED:
        raise Obsolete("the registration is gone or cancelled")
    context = _visitor_links(notification, registration)
    context["already"] = registration.holds_place
    with translation.override(notification.language):
        token = tokens.make_confirm_token(registration=registration)
        context["confirm_url"] = absolute(reverse("meetings:visitor-confirm", kwargs={"token": token}))
    context["hours"] = tokens.VISITOR_CONFIRM_HOURS
    return context


def _visitor_status(wanted):
    def build(notification):
        registration = notification.target
        if registration is None or registration.status != wanted:
            raise Obsolete("the registration changed meanwhile")
        context = _visitor_links(notification, registration)
        context["show_online_link"] = wanted == VisitorRegistration.Status.CONFIRMED
        return context
    return build


def _visitor_turned_away(notification):
    """The meeting no longer takes visitors; no link: its page is for members now."""
    registration = notification.target
    if registration is None or registration.status != VisitorRegistration.Status.CANCELLED:
        raise Obsolete("the registration is gone or was made again")
    return {"meeting": registration.meeting, "registration": registration}


FOR_STAFF = frozenset({STAFF})


KINDS = [
    Kind(key="weekly_digest", label=_("Weekly digest"),
         description=_("On Monday morning: what happened in your groups, what is coming, and the notices you chose "
                       "to receive in the digest. Not sent when there is nothing new."),
         template="meetings/email/weekly_digest", context=digest_body, digestible=False, order=1),
    Kind(key="meeting_announced", label=_("New meetings of my groups"),
         description=_("A meeting of a group you belong to (or the general meeting) is scheduled."),
         template="meetings/email/meeting_announced", context=_meeting, order=50, audience=FOR_STAFF),
    Kind(key="meeting_changed", label=_("Meeting changed"),
         description=_("The time or place of a meeting you registered for changed."),
         template="meetings/email/meeting_changed", context=_meeting, digestible=False, order=51, audience=FOR_STAFF),
    Kind(key="meeting_cancelled", label=_("Meeting cancelled"),
         description=_("A meeting you registered for was cancelled."),
         template="meetings/email/meeting_cancelled", context=_meeting, digestible=False, order=52, audience=FOR_STAFF),
    Kind(key="meeting_reminder_week", label=_("Reminder a week before"),
         description=_("A reminder seven days before a meeting you registered for."),
         template="meetings/email/meeting_reminder", context=_reminder, digestible=False, order=53,
         extra={"days": 7}, audience=FOR_STAFF),
    Kind(key="meeting_reminder_day", label=_("Reminder the day before"),
         description=_("A reminder one day before a meeting you registered for."),
         template="meetings/email/meeting_reminder", context=_reminder, digestible=False, order=54,
         extra={"days": 1}, audience=FOR_STAFF),
    Kind(key="registration_confirmed", label=_("Registration confirmed"),
         description=_("Your place at a meeting, with the event for your calendar."),
         template="meetings/email/registration_confirmed", context=_registration, attachments=_ics,
         digestible=False, order=55, audience=FOR_STAFF),
    Kind(key="registration_waiting", label=_("On the waiting list"),
         description=_("The meeting is full and you are on its waiting list."),
         template="meetings/email/registration_waiting", context=_registration, digestible=False, order=56,
         audience=FOR_STAFF),
    Kind(key="registration_moved_up", label=_("A place became free"),
         description=_("You moved up from the waiting list and have a place."),
         template="meetings/email/registration_moved_up", context=_registration, attachments=_ics,
         digestible=False, order=57, audience=FOR_STAFF),
    # To visitors of a meeting open to the public (an address, no account): what they asked for,
    # each carrying the link that cancels the registration; nothing to opt out of.
    Kind(key="visitor_confirm", label=_("Visitor registration: confirm the address"),
         template="meetings/email/visitor_confirm", context=_visitor_confirm, choosable=False, digestible=False,
         transactional=True, order=210),
    Kind(key="visitor_confirmed", label=_("Visitor registration confirmed"),
         template="meetings/email/visitor_confirmed", context=_visitor_status(VisitorRegistration.Status.CONFIRMED),
         attachments=_ics, choosable=False, digestible=False, transactional=True, order=211),
    Kind(key="visitor_waiting", label=_("Visitor on the waiting list"),
         template="meetings/email/visitor_waiting", context=_visitor_status(VisitorRegistration.Status.WAITING),
         choosable=False, digestible=False, transactional=True, order=212),
    Kind(key="visitor_moved_up", label=_("Visitor moved up from the waiting list"),
         template="meetings/email/visitor_moved_up", context=_visitor_status(VisitorRegistration.Status.CONFIRMED),
         attachments=_ics, choosable=False, digestible=False, transactional=True, order=213),
    Kind(key="visitor_turned_away", label=_("Visitor registration cancelled: the meeting is for members only now"),
         template="meetings/email/visitor_turned_away", context=_visitor_turned_away, choosable=False,
         digestible=False, transactional=True, order=214),
]


def register_all():
    for kind in KINDS:
        register(kind)

