"""iCalendar (RFC 5545) for one meeting, a person's meetings, public meetings and a group's.

Every event keeps one UID for its whole life and a SEQUENCE that rises with each change, so a
calendar that already holds the event updates it; a cancelled meeting stays in the feed with
STATUS:CANCELLED (so calendars remove it) until it is over. Times carry the Asia/Tokyo zone, and
the programme's times in the description say JST.
"""

from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from members.i18n import pick
from members.notifications.rendering import url_in

TOKYO = ZoneInfo("Asia/Tokyo")
PRODID = "-//University Coalition for Carbon Neutrality//Portal//JA"


def event_for(meeting, *, language: str, with_online_link: bool = False) -> Event:
    url = url_in(language, meeting)
    title = pick(meeting.title_ja, meeting.title_en, language)
    event = Event()
    # The meeting's UUID alone (RFC 7986 5.3): the same whichever host name served the calendar.
    event.add("uid", str(meeting.uid))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(ZoneInfo("UTC")))
    event.add("dtstart", meeting.starts_at.astimezone(TOKYO))
    event.add("dtend", meeting.ends_at.astimezone(TOKYO))
    event.add("summary", title)
    event.add("url", url)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("last-modified", meeting.updated_at.astimezone(ZoneInfo("UTC")))
    location = meeting.venue or ("Online" if language == "en" else "オンライン")
    if meeting.has_online and meeting.venue:
        location += " / " + ("Online" if language == "en" else "オンライン")
    event.add("location", location)
    lines = [pick(meeting.description_ja, meeting.description_en, language)]
    agenda = list(meeting.agenda.all())
    if agenda:
        # The programme's times are Japan time: said so on each line, as a subscriber elsewhere
        # sees the event itself in their own zone.
        lines.append("")
        lines += [f"{item.time:%H:%M} JST {pick(item.item_ja, item.item_en, language)}"
                  + (f" ({speaker})" if (speaker := pick(item.speaker, item.speaker_en, language)) else "")
                  for item in agenda]
    if with_online_link and meeting.online_url and not meeting.is_cancelled:
        lines += ["", ("Join online: " if language == "en" else "オンライン参加: ") + meeting.online_url]
    lines += ["", url]
    event.add("description", "\n".join(line for line in lines).strip())
    return event


def calendar_of(meetings, *, language: str, name: str = "", online_for: set[int] = frozenset()) -> bytes:
    """An iCalendar document; ``online_for`` holds the ids of meetings whose online link may be shown."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", "Asia/Tokyo")
    for meeting in meetings:
        cal.add_component(event_for(meeting, language=language, with_online_link=meeting.pk in online_for))
    if cal.subcomponents:
        cal.add_missing_timezones()
    else:
        # RFC 5545 3.4: a calendar holds at least one component; an empty feed gives the zone its
        # events will be in.
        cal.add_component(Timezone.from_tzid("Asia/Tokyo"))
    return cal.to_ical()
