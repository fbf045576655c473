"""iCalendar (RFC 5545): one meeting, the public and group feeds, the personal feed."""

import datetime

import pytest
from icalendar import Calendar

from meetings.models import CalendarFeed
from tests.factories import (
    MeetingFactory,
    RegistrationFactory,
    WorkingGroupFactory,
    coordinator_of,
    member_of,
)

pytestmark = pytest.mark.django_db


def parse(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_one_meeting_is_a_valid_event_in_japan_time(client):
    meeting = MeetingFactory(visibility="public", title_ja="公開会合", format="hybrid", venue="信州大学",
                             starts_at=datetime.datetime(2030, 12, 20, 5, 0, tzinfo=datetime.UTC),
                             ends_at=datetime.datetime(2030, 12, 20, 7, 0, tzinfo=datetime.UTC))
    response = client.get(f"/ja/meetings/{meeting.pk}/ical/")
    raw = response.content.decode()
    assert "\r\n" in raw and "\n" not in raw.replace("\r\n", "")  # CRLF line endings only
    cal = parse(response)
    assert str(cal["VERSION"]) == "2.0" and "PRODID" in cal
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == str(meeting.uid)
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert event.decoded("DTSTART").strftime("%Y-%m-%d %H:%M %Z") == "2030-12-20 14:00 JST"
    assert event.decoded("DTEND").hour == 16
    assert str(event["URL"]) == f"http://testserver/ja/meetings/{meeting.pk}/"
    assert str(event["LOCATION"]) == "信州大学 / オンライン"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in event
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert "meet.example.org" not in raw  # the online link is for registered people only


def test_uid_stays_and_sequence_rises_when_the_meeting_changes_then_is_cancelled(client):
    from tests.factories import InstitutionFactory
    from tests.meetings.test_meetings import schedule_form

    coordinating = InstitutionFactory()
    group = WorkingGroupFactory(coordinators=[coordinating])
    meeting = MeetingFactory(group=group, visibility="public", format="hybrid", venue="会議室",
                             starts_at=datetime.datetime(2030, 12, 20, 5, 0, tzinfo=datetime.UTC),
                             ends_at=datetime.datetime(2030, 12, 20, 7, 0, tzinfo=datetime.UTC))
    before = parse(client.get(f"/ja/meetings/{meeting.pk}/ical/")).walk("VEVENT")[0]
    client.force_login(coordinator_of(group, coordinating))
    client.post(f"/ja/meetings/{meeting.pk}/edit/", schedule_form(
        group, title_ja=meeting.title_ja, starts_at="2030-12-21T14:00", ends_at="2030-12-21T16:00",
        venue="会議室", capacity="", visibility="public",
        **{"agenda-0-time": "", "agenda-0-item_ja": "", "agenda-0-item_en": "", "agenda-0-speaker": ""}))
    after = parse(client.get(f"/ja/meetings/{meeting.pk}/ical/")).walk("VEVENT")[0]
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == 1
    assert after.decoded("DTSTART") - before.decoded("DTSTART") == datetime.timedelta(days=1)
    client.post(f"/ja/meetings/{meeting.pk}/cancel/", {"reason": "中止"})
    cancelled = parse(client.get(f"/ja/meetings/{meeting.pk}/ical/")).walk("VEVENT")[0]
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 2)


def test_registered_participant_gets_the_online_link_in_the_event(client):
    meeting = MeetingFactory(online_url="https://meet.example.org/secret")
    member = member_of(meeting.group)
    RegistrationFactory(meeting=meeting, user=member)
    client.force_login(member)
    event = parse(client.get(f"/ja/meetings/{meeting.pk}/ical/")).walk("VEVENT")[0]
    assert "https://meet.example.org/secret" in str(event["DESCRIPTION"])


def test_public_feed_has_public_meetings_and_group_feed_one_group(client):
    campus, regional = WorkingGroupFactory(slug="campus"), WorkingGroupFactory(slug="regional")
    MeetingFactory(group=campus, visibility="public", title_ja="公開A")
    MeetingFactory(group=regional, visibility="public", title_ja="公開B")
    MeetingFactory(group=campus, visibility="members", title_ja="会員限定")
    titles = sorted(str(e["SUMMARY"]) for e in parse(client.get("/ja/meetings/ical/")).walk("VEVENT"))
    assert titles == ["公開A", "公開B"]
    only = [str(e["SUMMARY"]) for e in parse(client.get("/ja/meetings/ical/", {"wg": "regional"})).walk("VEVENT")]
    assert only == ["公開B"]


def test_personal_feed_is_secret_complete_and_revocable(client):
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    member = member_of(group)
    own = MeetingFactory(group=group, title_ja="自分のWG", visibility="group")
    RegistrationFactory(meeting=own, user=member)  # in one's group and registered: listed once
    registered = MeetingFactory(group=other, title_ja="登録した会合", online_url="https://meet.example.org/x")
    RegistrationFactory(meeting=registered, user=member)
    MeetingFactory(group=other, title_ja="関係ない会合")
    client.force_login(member)
    client.post("/ja/account/calendar/renew/")
    token = CalendarFeed.objects.get(user=member).token
    account = client.get("/ja/account/").content.decode()
    assert f"/ja/meetings/ical/{token}/" in account
    client.logout()
    events = parse(client.get(f"/ja/meetings/ical/{token}/")).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == ["登録した会合", "自分のWG"]
    assert "https://meet.example.org/x" in next(str(e["DESCRIPTION"]) for e in events
                                                if str(e["SUMMARY"]) == "登録した会合")
    client.force_login(member)
    client.post("/ja/account/calendar/renew/")
    client.logout()
    assert client.get(f"/ja/meetings/ical/{token}/").status_code == 404
    assert client.get("/ja/meetings/ical/not-a-token/").status_code == 404


def read_with_vobject(response):
    """A second library than the one that writes the calendars, as a subscriber's program would."""
    import vobject

    cal = vobject.readOne(response.content.decode())
    cal.validate()
    return cal


def test_an_empty_group_calendar_still_holds_a_component(client):
    """RFC 5545 3.4: a VCALENDAR holds one component at least; an empty feed gives its time zone."""
    WorkingGroupFactory(slug="quiet")
    response = client.get("/en/meetings/ical/", {"wg": "quiet"})
    cal = parse(response)
    assert cal.walk("VEVENT") == []
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert [c.name for c in read_with_vobject(response).getChildren() if c.name == "VTIMEZONE"] == ["VTIMEZONE"]


def test_programme_times_say_japan_time_and_speakers_are_in_the_calendars_language(client):
    from meetings.models import AgendaItem

    meeting = MeetingFactory(visibility="public", title_ja="総会", title_en="General meeting",
                             description_ja="説明", description_en="About",
                             starts_at=datetime.datetime(2030, 12, 20, 4, 0, tzinfo=datetime.UTC),
                             ends_at=datetime.datetime(2030, 12, 20, 6, 0, tzinfo=datetime.UTC))
    AgendaItem.objects.create(meeting=meeting, time=datetime.time(13, 0), item_ja="開会", item_en="Opening",
                              speaker="幹事機関", speaker_en="Coordinating institutions")
    AgendaItem.objects.create(meeting=meeting, time=datetime.time(14, 0), item_ja="講演", item_en="Lecture",
                              speaker="Jane Doe")
    en = read_with_vobject(client.get(f"/en/meetings/{meeting.pk}/ical/")).vevent
    ja = read_with_vobject(client.get(f"/ja/meetings/{meeting.pk}/ical/")).vevent
    assert en.dtstart.value.tzinfo is not None and en.dtstart.value.utcoffset() == datetime.timedelta(hours=9)
    assert en.description.value.splitlines()[2:4] == [
        "13:00 JST Opening (Coordinating institutions)", "14:00 JST Lecture (Jane Doe)"]
    assert ja.description.value.splitlines()[2:4] == ["13:00 JST 開会（幹事機関）", "14:00 JST 講演（Jane Doe）"]
    page = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    assert "<td>Coordinating institutions</td>" in page and "幹事機関" not in page
    assert "<td>幹事機関</td>" in client.get(f"/ja/meetings/{meeting.pk}/").content.decode()


def test_the_programme_form_takes_the_speaker_in_english(client):
    from tests.factories import InstitutionFactory
    from tests.meetings.test_meetings import schedule_form

    coordinating = InstitutionFactory()
    group = WorkingGroupFactory(coordinators=[coordinating])
    client.force_login(coordinator_of(group, coordinating))
    client.post("/ja/meetings/new/", schedule_form(group, **{"agenda-0-speaker": "幹事機関",
                                                             "agenda-0-speaker_en": "Coordinating institution"}))
    (item,) = [i for m in group.meetings.all() for i in m.agenda.all()]
    assert (item.speaker, item.speaker_en) == ("幹事機関", "Coordinating institution")
@pytest.mark.parametrize("feed", ["public", "personal"])
def test_a_feed_past_its_cap_holds_the_coming_meetings_and_the_recent_past(client, monkeypatch, feed):
    """Past the cap, a subscriber still sees the next meetings (soonest first), then the latest
    of the last 90 days; never a slice of the far future or of old history."""
    from django.utils import timezone

    from meetings import selectors

    monkeypatch.setattr(selectors, "FEED_UPCOMING", 3)
    monkeypatch.setattr(selectors, "FEED_PAST", 2)
    group = WorkingGroupFactory()
    now = timezone.now().replace(microsecond=0)
    hour = datetime.timedelta(hours=1)

    def meeting(title, days):
        start = now + datetime.timedelta(days=days)
        return MeetingFactory(group=group, visibility="public", title_ja=title, starts_at=start, ends_at=start + hour)

    for days in (400, 6, 5, 4, 3, 2, 1):  # created far future first
        meeting(f"in {days} days", days)
    meeting("now", 0)  # started just now: not over yet
    for days in (1, 10, 30, 200):
        meeting(f"{days} days ago", -days)
    if feed == "public":
        response = client.get("/ja/meetings/ical/")
    else:
        member = member_of(group)
        token = CalendarFeed.objects.create(user=member).token
        response = client.get(f"/ja/meetings/ical/{token}/")
    titles = [str(e["SUMMARY"]) for e in parse(response).walk("VEVENT")]
    assert sorted(titles) == sorted(["now", "in 1 days", "in 2 days", "10 days ago", "1 days ago"])
