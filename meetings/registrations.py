"""What this app adds to pages of the lower layers (members/extensions.py registries)."""

from django.urls import reverse
from django.utils import timezone

from members import extensions
from members.notifications.rendering import absolute
from working_groups.selectors import current_groups_of

from . import selectors
from .models import MAX_LENGTH, CalendarFeed, Meeting, Registration


def _group_meetings(request, group):
    visible = selectors.meetings_visible_to(request.user).filter(group=group)
    return {
        "group": group,
        "upcoming": list(selectors.meeting_rows(visible.upcoming())[:5]),
        "past": list(selectors.meeting_rows(visible.past())[:5]),
        "can_schedule": request.user.has_perm("meetings.schedule_meeting", group),
    }


def _account_calendar(request):
    """The person's upcoming meetings, and the places they hold for meetings they may no longer
    see (they left the group, their institution was suspended): those are listed by title only,
    so that the place can be given up. One query for both; who may see what is the rule's."""
    from .rules import can_see_meeting

    user = request.user
    feed = CalendarFeed.objects.filter(user=user).first()
    now = timezone.now()
    held = list(Registration.objects.filter(
        user=user, status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITING],
        meeting__ends_at__gte=now, meeting__starts_at__gt=now - MAX_LENGTH,
    ).select_related("meeting__group").order_by("meeting__starts_at", "meeting_id")[:50])
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


def _items(users, meetings, groups_of, meta):
    from members.i18n import pick
    from members.notices import url_in

    # Each meeting's item in each language is built once for the batch, not once per reader.
    item = {(m.pk, lang): {"title": pick(m.title_ja, m.title_en, lang), "url": url_in(lang, m),
                           "meta": meta(m, lang)}
            for m in meetings for lang in ("ja", "en")}
    out = {}
    for user in users:
        lang = "en" if user.language == "en" else "ja"
        mine = groups_of.get(user.pk, set())
        items = [item[m.pk, lang] for m in meetings if m.group_id in mine]
        if items:
            out[user.pk] = items[:20]
    return out


def _digest_upcoming(users, period):
    """Meetings of each person's groups in the next two weeks (two queries for the batch)."""
    from django.utils import translation

    from members.templatetags.portal import when


    groups_of = current_groups_of(users)
    wanted = set().union(*groups_of.values()) if groups_of else set()
    if not wanted:
        return {}
    meetings = list(Meeting.objects.not_cancelled().filter(
        group_id__in=wanted, starts_at__gte=period.end, starts_at__lt=period.upcoming_until).order_by("starts_at"))

    def meta(m, lang):
        with translation.override(lang):
            return when(m.starts_at)

    return _items(users, meetings, groups_of, meta)


def _digest_minutes(users, period):
    """Minutes published during the week in each person's groups (two queries for the batch)."""

    groups_of = current_groups_of(users)
    wanted = set().union(*groups_of.values()) if groups_of else set()
    if not wanted:
        return {}
    meetings = list(Meeting.objects.filter(group_id__in=wanted, minutes_published_at__gte=period.start,
                                           minutes_published_at__lt=period.end).order_by("-starts_at"))
    return _items(users, meetings, groups_of, lambda m, lang: "")


def register():
    extensions.register_provider("next_meetings", selectors.next_meetings)
    from .services import user_withdraw_from_meetings

    extensions.register_anonymise_hook(user_withdraw_from_meetings)
    extensions.register_section(
        "group_detail", extensions.Section("meetings", "meetings/includes/_group_meetings.html", _group_meetings, 10)
    )
    extensions.register_section(
        "account", extensions.Section("calendar", "meetings/includes/_account_calendar.html", _account_calendar, 20)
    )
    from members.notifications.digest import DigestSection, register_section

    register_section(DigestSection("meetings", "今後2週間の会議", "Meetings in the next two weeks",
                                   _digest_upcoming, order=20))
    register_section(DigestSection("minutes", "公開された議事録", "Minutes published", _digest_minutes, order=30))
