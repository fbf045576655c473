"""iCalendar (RFC 5545) for one meeting, a person's meetings, public meetings and a group's.

Every event keeps one UID for its whole life and a SEQUENCE that rises with each change, so a
calendar that already holds the event updates it; a cancelled meeting stays in the feed with
STATUS:CANCELLED (so calendars remove it) until it is over. Times carry the Asia/Tokyo zone, and
the programme's times in the description say JST.

Feeds are built from stored events: each meeting's VEVENT is rendered once per change (in each
language, with and without the online link) into ``MeetingEvent``, so a feed of 500 events is a
head, 500 stored texts and a tail, byte for byte what ``calendar_of`` builds from scratch. DTSTAMP
is the meeting's last change (not the time of the request), so an unchanged feed is the same bytes
and polling clients get a 304 (meetings/views.py).
"""

from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Q
from icalendar import Calendar, Event, Timezone

from members.i18n import pick
from members.notifications.rendering import url_in
from members.search import pk_among

from .models import Meeting, MeetingEvent

TOKYO = ZoneInfo("Asia/Tokyo")
PRODID = "-//University Coalition for Carbon Neutrality//Portal//JA"
TAIL = b"END:VCALENDAR\r\n"
# Raise when event_for writes something else: every stored event is then rendered again.
RENDERING = 1


def event_for(meeting, *, language: str, with_online_link: bool = False) -> Event:
    url = url_in(language, meeting)
    title = pick(meeting.title_ja, meeting.title_en, language)
    event = Event()
    # The meeting's UUID alone (RFC 7986 5.3): the same whichever host name served the calendar.
    event.add("uid", str(meeting.uid))
    event.add("sequence", meeting.sequence)
    # the last revision of the event (RFC 5545 3.8.7.2 without METHOD:REQUEST): the same bytes
    # until the meeting changes
    event.add("dtstamp", meeting.updated_at.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", meeting.starts_at.astimezone(TOKYO))
    event.add("dtend", meeting.ends_at.astimezone(TOKYO))
    event.add("summary", title)
    event.add("url", url)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("last-modified", meeting.updated_at.astimezone(ZoneInfo("UTC")))
    venue = meeting.venue_in(language)
    location = venue or ("Online" if language == "en" else "オンライン")
    if meeting.has_online and venue:
        location += " / " + ("Online" if language == "en" else "オンライン")
    event.add("location", location)
    lines = [pick(meeting.description_ja, meeting.description_en, language)]
    agenda = list(meeting.agenda.all())
    if agenda:
        # The programme's times are Japan time: said so on each line, as a subscriber elsewhere
        # sees the event itself in their own zone.
        lines.append("")
        aside = " ({})" if language == "en" else "（{}）"  # full-width parentheses in Japanese text
        lines += [f"{item.time:%H:%M} JST {pick(item.item_ja, item.item_en, language)}"
                  + (aside.format(speaker) if (speaker := pick(item.speaker, item.speaker_en, language)) else "")
                  for item in agenda]
    if with_online_link and meeting.online_url and not meeting.is_cancelled:
        lines += ["", ("Join online: " if language == "en" else "オンライン参加: ") + meeting.online_url]
    lines += ["", url]
    event.add("description", "\n".join(line for line in lines).strip())
    return event


def vevent(meeting, *, language: str, online: bool) -> str:
    """One meeting's VEVENT as text (CRLF lines), as stored in ``MeetingEvent``."""
    return event_for(meeting, language=language, with_online_link=online).to_ical().decode()


@lru_cache(maxsize=64)
def _head(name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", "Asia/Tokyo")
    # every event is in Japan time; an empty feed holds the zone too (RFC 5545 3.4: a calendar
    # holds at least one component)
    cal.add_component(Timezone.from_tzid("Asia/Tokyo"))
    return cal.to_ical()[: -len(TAIL)]


def assemble(events, *, name: str = "") -> bytes:
    """An iCalendar document of ``events`` (VEVENT texts)."""
    return _head(name) + "".join(events).encode() + TAIL


def calendar_of(meetings, *, language: str, name: str = "", online_for: set[int] = frozenset()) -> bytes:
    """An iCalendar document built from scratch; ``online_for`` holds the ids of meetings whose
    online link may be shown."""
    return assemble([vevent(m, language=language, online=m.pk in online_for) for m in meetings], name=name)


def source_of(updated_at) -> str:
    """What a stored event is rendered from: when this differs, the stored text is out of date."""
    return f"{RENDERING}|{updated_at.isoformat()}|{settings.SITE_URL}"


def _store(meetings, variants) -> dict:
    """Render ``meetings`` in each (language, online) of ``variants`` and store them (one upsert)."""
    rows = [MeetingEvent(meeting=m, language=language, online=online, source=source_of(m.updated_at),
                         vevent=vevent(m, language=language, online=online))
            for m in sorted(meetings, key=lambda m: m.pk) for language, online in variants]
    MeetingEvent.objects.bulk_create(rows, update_conflicts=True, unique_fields=["meeting", "language", "online"],
                                     update_fields=["source", "vevent"])
    return {(row.meeting_id, row.language, row.online): row.vevent for row in rows}


def events_refresh(meeting) -> None:
    """Store ``meeting``'s events in every language and variant (after it changed)."""
    events_store(Meeting.objects.filter(pk=meeting.pk))


def events_store(meetings) -> int:
    """Store the events of the meetings of the queryset ``meetings`` in every language and variant,
    read with their programme as saved (one query, one upsert). Returns how many meetings."""
    rows = list(meetings.prefetch_related("agenda"))
    _store(rows, [(language, online) for language, _ in settings.LANGUAGES for online in (False, True)])
    return len(rows)


def stored_events(sources, *, language: str, online_for=frozenset()) -> list[str]:
    """The VEVENTs of the meetings of ``sources`` ((pk, ``source_of(updated_at)``), in the feed's
    order) from the stored events; those missing or out of date are rendered and stored. Three
    queries at most (the stored events; then the out-of-date meetings with their programme, and
    one upsert)."""
    wanted = dict(sources)
    stored = MeetingEvent.objects.filter(language=language)
    if connection.vendor == "postgresql":  # one array parameter: a feed's 600 ids as an IN list took 2.6 ms more
        stored = stored.filter(pk_among(wanted, field="meeting_id"))
    else:
        stored = stored.filter(meeting_id__in=wanted)
    # each meeting's event as the feed shows it: with its online link only for the person's places
    # (a personal feed read both events of its 600 meetings, twice the rows it used)
    stored = stored.filter(Q(online=False) | Q(online=True, meeting_id__in=online_for))
    found = {(pk, online): (source, text)
             for pk, online, source, text in stored.values_list("meeting_id", "online", "source", "vevent")}
    events, stale = {}, []
    for pk, source in wanted.items():
        hit = found.get((pk, pk in online_for))
        if hit and hit[0] == source:
            events[pk] = hit[1]
        else:
            stale.append(pk)
    if stale:
        meetings = list(Meeting.objects.filter(pk__in=stale).prefetch_related("agenda"))
        fresh = _store(meetings, [(language, False), (language, True)])
        events.update({m.pk: fresh[(m.pk, language, m.pk in online_for)] for m in meetings})
    return [events[pk] for pk, _ in sources if pk in events]
