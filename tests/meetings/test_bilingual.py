"""A meeting's venue and minutes in both languages: written side by side on the meeting's forms,
shown in the visitor's language, falling back to the other with the note and its ``lang``; the
calendar, the mail and the API carry the venue of their language."""

import datetime

import pytest
from django.core import mail
from icalendar import Calendar

from meetings import services
from meetings.models import Meeting
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    WorkingGroupFactory,
    coordinator_of,
    member_of,
)

pytestmark = pytest.mark.django_db

KYOTO_JA = "京都大学 百周年時計台記念館"
KYOTO_EN = "Kyoto University, Clock Tower Centennial Hall"


@pytest.fixture
def group():
    return WorkingGroupFactory(slug="innovation", name_ja="イノベーションWG", name_en="Innovation WG",
                               coordinators=[InstitutionFactory(slug="coord")])


@pytest.fixture
def coordinator(group):
    return coordinator_of(group, email="coord@c.example")


def symposium(group, **fields):
    return MeetingFactory(group=group, visibility="public", format="hybrid", venue=KYOTO_JA, **fields)


def test_the_english_page_shows_the_english_venue_and_the_japanese_one_marked_when_there_is_none(client, group):
    translated = symposium(group, venue_en=KYOTO_EN)
    english = client.get(f"/en/meetings/{translated.pk}/").content.decode()
    assert f'<dd lang="en">{KYOTO_EN}</dd>' in english and KYOTO_JA not in english
    assert f'<dd lang="ja">{KYOTO_JA}</dd>' in client.get(f"/ja/meetings/{translated.pk}/").content.decode()

    untranslated = symposium(group)
    english = client.get(f"/en/meetings/{untranslated.pk}/").content.decode()
    assert f'<dd lang="ja">{KYOTO_JA}</dd>' in english
    listing = client.get("/en/meetings/").content.decode()
    assert f'<span lang="en">{KYOTO_EN[:39]}…</span>' in listing and f'<span lang="ja">{KYOTO_JA}</span>' in listing


def test_a_description_in_japanese_only_has_the_note_and_lang_on_english_pages(client, group):
    meeting = MeetingFactory(group=group, visibility="public", description_ja="取組の共有と意見交換",
                             description_en="")
    english = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    assert '<p class="callout fallback-note">This content is available in Japanese only.</p>' in english
    assert '<div class="prose" lang="ja"><p>取組の共有と意見交換</p></div>' in english
    meeting.description_en = "Members share their work."
    meeting.save()
    english = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    assert "fallback-note" not in english and '<div class="prose" lang="en"><p>Members share their work.</p>' in english


def test_the_form_saves_the_english_venue_without_telling_anyone_it_moved(client, group, coordinator):
    meeting = symposium(group)
    RegistrationFactory(meeting=meeting, user=member_of(group))
    client.force_login(coordinator)
    edit = client.get(f"/ja/meetings/{meeting.pk}/edit/").content.decode()
    assert 'name="venue_en"' in edit
    from tests.meetings.test_meetings import schedule_form

    data = schedule_form(group, title_ja=meeting.title_ja, visibility="public", venue=KYOTO_JA, venue_en=KYOTO_EN,
                         starts_at=meeting.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
                         .strftime("%Y-%m-%dT%H:%M"),
                         ends_at=meeting.ends_at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
                         .strftime("%Y-%m-%dT%H:%M"),
                         online_url=meeting.online_url, capacity="")
    mail.outbox.clear()
    response = client.post(f"/ja/meetings/{meeting.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting.refresh_from_db()
    assert meeting.venue_en == KYOTO_EN and meeting.status == Meeting.Status.SCHEDULED
    assert not [m for m in mail.outbox if "変更" in m.subject]  # a translation moves nobody


def test_a_meeting_in_person_needs_a_venue_in_one_language_at_least(client, group, coordinator):
    from tests.meetings.test_meetings import schedule_form

    client.force_login(coordinator)
    response = client.post("/en/meetings/new/", schedule_form(group, venue="", venue_en=""))
    assert "Give the venue of a meeting held in person." in response.content.decode()
    assert not Meeting.objects.exists()
    response = client.post("/en/meetings/new/", schedule_form(group, venue="", venue_en=KYOTO_EN))
    assert response.status_code == 302
    assert Meeting.objects.get().venue_in("ja") == KYOTO_EN  # Japanese pages fall back to the English


def test_minutes_in_both_languages_each_page_shows_its_own_and_falls_back_with_the_note(client, group, coordinator):
    meeting = MeetingFactory(group=group, visibility="public")
    client.force_login(coordinator)
    form = client.get(f"/en/meetings/{meeting.pk}/minutes/").content.decode()
    assert 'name="minutes"' in form and 'name="minutes_en"' in form
    client.post(f"/ja/meetings/{meeting.pk}/minutes/",
                {"minutes": "## 決定事項\n\n- 次回は現地視察", "minutes_en": "", "action": "publish"})
    client.logout()
    english = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    assert '<p class="callout fallback-note">This content is available in Japanese only.</p>' in english
    assert '<div class="prose" lang="ja"><h2>決定事項</h2>' in english

    client.force_login(coordinator)
    client.post(f"/ja/meetings/{meeting.pk}/minutes/",
                {"minutes": "## 決定事項\n\n- 次回は現地視察", "minutes_en": "## Decisions\n\n- A site visit next",
                 "action": "publish"})
    client.logout()
    english = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    japanese = client.get(f"/ja/meetings/{meeting.pk}/").content.decode()
    assert '<div class="prose" lang="en"><h2>Decisions</h2>' in english and "決定事項" not in english
    assert '<div class="prose" lang="ja"><h2>決定事項</h2>' in japanese and "Decisions" not in japanese
    meeting.refresh_from_db()
    assert [(r.text, r.text_en) for r in meeting.minutes_revisions.all()] == [
        ("## 決定事項\n\n- 次回は現地視察", "## Decisions\n\n- A site visit next"),
        ("## 決定事項\n\n- 次回は現地視察", ""),
    ]


def test_minutes_in_english_only_are_published_and_shown_on_japanese_pages_with_the_note(client, group):
    meeting = MeetingFactory(group=group, visibility="public")
    services.minutes_save(meeting=meeting, by=None, text="", text_en="## Decisions", publish=True)
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is not None
    japanese = client.get(f"/ja/meetings/{meeting.pk}/").content.decode()
    assert '<p class="callout fallback-note">この内容は英語のみです。</p>' in japanese
    assert '<div class="prose" lang="en"><h2>Decisions</h2>' in japanese


def test_too_long_english_minutes_are_refused_and_nothing_changes(client, group, coordinator):
    meeting = MeetingFactory(group=group, visibility="public")
    client.force_login(coordinator)
    response = client.post(f"/en/meetings/{meeting.pk}/minutes/", {"minutes": "短い", "minutes_en": "x" * 100_001})
    assert response.status_code == 200 and "The minutes are too long." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == "" and not meeting.minutes_revisions.exists()


def test_the_calendar_the_mail_and_the_api_carry_the_venue_of_their_language(client, group, deliver):
    meeting = symposium(group, venue_en=KYOTO_EN)
    english = Calendar.from_ical(client.get(f"/en/meetings/{meeting.pk}/ical/").content).walk("VEVENT")[0]
    japanese = Calendar.from_ical(client.get(f"/ja/meetings/{meeting.pk}/ical/").content).walk("VEVENT")[0]
    assert str(english["location"]) == f"{KYOTO_EN} / Online"
    assert str(japanese["location"]) == f"{KYOTO_JA} / オンライン"

    api = client.get(f"/api/v1/meetings/{meeting.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (api["venue"], api["venue_en"]) == (KYOTO_JA, KYOTO_EN)

    person = member_of(group)
    person.language = "en"
    person.save()
    with deliver():
        services.register(meeting=meeting, user=person, mode="online")
    sent = [m for m in mail.outbox if person.email in m.to]
    assert sent and f"Venue: {KYOTO_EN}" in sent[0].body and KYOTO_JA not in sent[0].body


def test_a_draft_of_the_minutes_holds_both_languages_until_it_is_published(client, group, coordinator):
    meeting = MeetingFactory(group=group, visibility="public")
    url = f"/ja/meetings/{meeting.pk}/minutes/"
    client.force_login(coordinator)
    client.post(url, {"minutes": "## 決定事項（案）", "minutes_en": "## Decisions (draft)"})  # no action: a draft
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_en) == ("", "")
    assert (meeting.minutes_draft, meeting.minutes_draft_en) == ("## 決定事項（案）", "## Decisions (draft)")
    assert "## Decisions (draft)</textarea>" in client.get(f"/en/meetings/{meeting.pk}/minutes/").content.decode()
    client.logout()
    assert "Decisions (draft)" not in client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    client.force_login(coordinator)
    client.post(url, {"minutes": "## 決定事項（案）", "minutes_en": "## Decisions (draft)", "action": "publish"})
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_en, meeting.minutes_draft, meeting.minutes_draft_en,
            meeting.minutes_draft_at) == ("## 決定事項（案）", "## Decisions (draft)", "", "", None)
    assert [(r.state, r.text_en) for r in meeting.minutes_revisions.order_by("pk")] == [
        ("draft", "## Decisions (draft)"), ("published", "## Decisions (draft)")]
