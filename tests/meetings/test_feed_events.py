"""Calendar feeds from stored events: the same bytes as built from scratch, refreshed when a
meeting changes, and a 304 for a polling client that holds the feed already."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from icalendar import Calendar

from meetings import selectors, services
from meetings.calendar import calendar_of
from meetings.models import CalendarFeed, Meeting, MeetingEvent
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    WorkingGroupFactory,
    coordinator_of,
    member_of,
)

from .test_meetings import schedule_form

pytestmark = pytest.mark.django_db


def summaries(response) -> list[str]:
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]


def name_of(response) -> str:
    return str(Calendar.from_ical(response.content)["X-WR-CALNAME"])


def from_scratch(language="ja", *, name, online_for=frozenset(), queryset=None) -> bytes:
    qs = selectors.public_meetings() if queryset is None else queryset
    meetings = selectors.feed_window(qs.prefetch_related("agenda"))
    return calendar_of(meetings, language=language, name=name, online_for=online_for)


def test_public_feed_equals_the_calendar_built_from_scratch(client):
    group = WorkingGroupFactory()
    for n in range(5):
        MeetingFactory(group=group, visibility="public", title_ja=f"会合{n}", venue="会議室",
                       starts_at=timezone.now() + datetime.timedelta(days=n + 1, hours=n))
    MeetingFactory(group=group, visibility="members", title_ja="会員限定")
    first = client.get("/ja/meetings/ical/")
    # stored as the feed found them missing (with and without the online link)
    assert MeetingEvent.objects.filter(language="ja").values("meeting").distinct().count() == 5
    assert first.content == from_scratch(name=name_of(first))
    english = client.get("/en/meetings/ical/")
    assert english.content == from_scratch("en", name=name_of(english))
    assert client.get("/ja/meetings/ical/").content == first.content  # now from the stored events


def test_a_meeting_edited_or_cancelled_shows_at_once_in_the_feed(client):
    coordinating = InstitutionFactory()
    group = WorkingGroupFactory(coordinators=[coordinating])
    client.force_login(coordinator_of(group, coordinating))
    client.post("/ja/meetings/new/", schedule_form(group, title_ja="第9回会合", visibility="public"))
    meeting = Meeting.objects.get()
    assert MeetingEvent.objects.filter(meeting=meeting).count() == 4  # ja/en, with and without the link
    client.logout()
    assert summaries(client.get("/ja/meetings/ical/")) == ["第9回会合"]
    services.meeting_update(meeting=meeting, by=None, data={"title_ja": "第9回会合（会場変更）"})
    feed = client.get("/ja/meetings/ical/")
    assert summaries(feed) == ["第9回会合（会場変更）"]
    assert feed.content == from_scratch(name=name_of(feed))
    services.meeting_cancel(meeting=Meeting.objects.get(), by=None, reason="台風のため")
    (event,) = Calendar.from_ical(client.get("/ja/meetings/ical/").content).walk("VEVENT")
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)


def test_a_stored_event_out_of_date_is_rendered_again(client):
    meeting = MeetingFactory(visibility="public", title_ja="旧題")
    client.get("/ja/meetings/ical/")
    # a change that did not go through the services (the admin, a data fix): its last change moves
    Meeting.objects.filter(pk=meeting.pk).update(title_ja="新題", updated_at=timezone.now())
    assert summaries(client.get("/ja/meetings/ical/")) == ["新題"]


def test_polling_client_gets_304_without_the_feed_being_built(client):
    MeetingFactory(visibility="public", title_ja="公開会合")
    first = client.get("/ja/meetings/ical/")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/ja/meetings/ical/", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert not any("meetings_meetingevent" in q["sql"] for q in ctx.captured_queries)  # nothing built
    assert client.get("/ja/meetings/ical/", headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get("/ja/meetings/ical/", headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_change_or_a_meeting_leaving_the_feed_answers_200_with_a_new_etag(client):
    kept = MeetingFactory(visibility="public", title_ja="残る会合")
    leaving = MeetingFactory(visibility="public", title_ja="非公開になる会合")
    first = client.get("/ja/meetings/ical/")
    time.sleep(1.1)  # Last-Modified has whole seconds
    Meeting.objects.filter(pk=leaving.pk).update(visibility="members")  # the remaining one is unchanged
    by_etag = client.get("/ja/meetings/ical/", headers={"If-None-Match": first["ETag"]})
    assert (by_etag.status_code, summaries(by_etag)) == (200, ["残る会合"])
    by_date = client.get("/ja/meetings/ical/", headers={"If-Modified-Since": first["Last-Modified"]})
    assert (by_date.status_code, summaries(by_date)) == (200, ["残る会合"])
    services.meeting_update(meeting=kept, by=None, data={"title_ja": "残る会合（改）"})
    changed = client.get("/ja/meetings/ical/", headers={"If-None-Match": by_etag["ETag"]})
    assert (changed.status_code, summaries(changed)) == (200, ["残る会合（改）"])


def test_personal_feed_is_stored_conditional_and_shows_the_link_to_confirmed_participants(client):
    group, other = WorkingGroupFactory(), WorkingGroupFactory()
    member = member_of(group)
    MeetingFactory(group=group, title_ja="自分のWG", visibility="group", online_url="https://meet.example.org/wg")
    registered = MeetingFactory(group=other, title_ja="登録した会合", online_url="https://meet.example.org/x")
    registration = RegistrationFactory(meeting=registered, user=member)
    token = CalendarFeed.objects.create(user=member).token
    first = client.get(f"/ja/meetings/ical/{token}/")
    queryset = selectors.personal_meetings(member)
    assert first.content == from_scratch(member.language, name=name_of(first), online_for={registered.pk},
                                         queryset=queryset)
    assert "meet.example.org/x" in first.content.decode() and "meet.example.org/wg" not in first.content.decode()
    # the second time from the stored events: the participant's own link, no other
    assert client.get(f"/ja/meetings/ical/{token}/").content == first.content
    assert client.get(f"/ja/meetings/ical/{token}/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    registration.status = "cancelled"
    registration.save()
    after = client.get(f"/ja/meetings/ical/{token}/", headers={"If-None-Match": first["ETag"]})
    assert after.status_code == 200 and "meet.example.org" not in after.content.decode()
    assert client.get("/ja/meetings/ical/not-a-token/", headers={"If-None-Match": first["ETag"]}).status_code == 404


@pytest.mark.parametrize("stored", [False, True], ids=["rendered", "stored"])
def test_feed_queries_do_not_grow_whether_events_are_stored_or_rendered(client, stored):
    group = WorkingGroupFactory(slug="campus")

    def count(n):
        MeetingEvent.objects.all().delete()
        for _ in range(n - Meeting.objects.count()):
            MeetingFactory(group=group, visibility="public")
        if stored:
            client.get("/ja/meetings/ical/?wg=campus")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/ja/meetings/ical/?wg=campus")
        assert len(summaries(response)) == n
        return len(ctx)

    assert count(1) == count(25)


def test_page_cache_answers_a_polling_client_with_304(client, settings):
    settings.PAGE_CACHE_SECONDS = 60
    MeetingFactory(visibility="public")
    first = client.get("/ja/meetings/ical/")
    second = client.get("/ja/meetings/ical/", headers={"If-None-Match": first["ETag"]})
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert (second.status_code, second.content) == (304, b"")
    stale = client.get("/ja/meetings/ical/", headers={"If-Modified-Since": http_date(0)})
    assert stale.status_code == 200 and stale.content == first.content

