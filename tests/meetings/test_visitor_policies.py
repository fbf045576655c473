"""What happens to visitors' registrations after the event and when a meeting stops taking
visitors, and how often an address can be sent the confirmation mail: visitors' personal data is
erased VISITOR_DATA_DAYS after the meeting ends (beat, daily; the form says so); a meeting made
members-only cancels its visitors' registrations with one mail each in their language; asking again
with the same address sends at most one confirmation an hour and three a day."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from coalition.celery import app
from meetings import services, tasks
from meetings.models import Meeting, VisitorRegistration
from members.audit.models import AuditEntry
from members.notifications.models import Notification
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    WorkingGroupFactory,
    coordinator_of,
    member_of,
)
from tests.meetings.test_visitors import confirm, link, register

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def group():
    return WorkingGroupFactory(slug="regional", name_ja="地域WG", name_en="Regional WG",
                               coordinators=[InstitutionFactory(slug="coord")])


@pytest.fixture
def symposium(group):
    return MeetingFactory(group=group, kind="symposium", title_ja="公開シンポジウム", title_en="Open symposium",
                          visibility="public", open_to_public=True, capacity=2, format="online",
                          online_url="https://meet.example.org/symposium")


def end_meeting(meeting, days_ago):
    """Move the meeting so that it ended ``days_ago`` days ago."""
    ends = timezone.now() - days_ago * DAY
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=ends - datetime.timedelta(hours=2), ends_at=ends)


def traces(address):
    """Every stored place an address can hide in: registrations and the outbox's rows."""
    return (VisitorRegistration.objects.filter(email=address).count()
            + Notification.objects.filter(email=address).count()
            + Notification.objects.filter(dedup_key__contains=address).count()
            + Notification.objects.filter(last_error__contains=address).count())


def test_visitors_personal_data_is_erased_30_days_after_the_meeting(client, deliver, settings, symposium, group):
    assert settings.VISITOR_DATA_DAYS == 30
    ada = confirm(client, deliver, symposium, email="ada@example.net", affiliation="Example City")
    bob = confirm(client, deliver, symposium, email="bob@example.net", language="ja")
    cy = confirm(client, deliver, symposium, email="cy@example.net")  # the meeting is full: waiting
    with deliver():
        register(client, symposium, email="never@example.net")  # never confirmed
    bob_placed = next(m for m in mail.outbox if m.to == ["bob@example.net"] and "/visitors/cancel/" in m.body)
    with deliver():
        client.post(link(bob_placed, "cancel"))  # bob cancels: cy moves up
    with deliver():
        services.meeting_update(meeting=symposium, by=None, data={"venue": "Online, new link",
                                                                  "online_url": "https://meet.example.org/2"})
    Notification.objects.filter(email="ada@example.net").update(last_error="550 <ada@example.net> mailbox full")
    member = RegistrationFactory(meeting=Meeting.objects.get(pk=symposium.pk), user=member_of(group))
    assert [traces(a) > 0 for a in ("ada@example.net", "bob@example.net", "cy@example.net",
                                   "never@example.net")] == [True] * 4
    statuses = sorted(VisitorRegistration.objects.values_list("status", flat=True))
    assert statuses == ["cancelled", "confirmed", "confirmed", "unconfirmed"]

    end_meeting(symposium, days_ago=29)
    assert tasks.erase_visitors.apply().get() == 0  # within the 30 days: kept
    assert VisitorRegistration.objects.filter(email="ada@example.net").exists()

    end_meeting(symposium, days_ago=31)
    assert tasks.erase_visitors.apply().get() == 1
    for address in ("ada@example.net", "bob@example.net", "cy@example.net", "never@example.net"):
        assert traces(address) == 0, address
    kept = VisitorRegistration.objects.order_by("pk")
    assert [(v.name, v.affiliation, v.email, v.status, v.erased) for v in kept] == [
        ("", "", f"visitor-{ada.pk}@anonymised.invalid", "confirmed", True),
        ("", "", f"visitor-{cy.pk}@anonymised.invalid", "confirmed", True),
    ]
    assert not VisitorRegistration.objects.filter(pk=bob.pk).exists()  # cancelled: deleted
    # what members' rows hold is untouched, and the meeting's counts stay true
    member.refresh_from_db()
    assert member.status == "confirmed"
    assert services._places_taken(symposium, "online") == 3
    [entry] = AuditEntry.objects.filter(action="meeting.visitors_erase")
    assert (entry.object_id, entry.detail) == (symposium.pk, {"erased": 2, "deleted": 2, "days": 30})
    assert "example.net" not in entry.object_label + str(entry.detail)
    # the organisers see that they were erased
    client.force_login(coordinator_of(group))
    page = client.get(f"/en/meetings/{symposium.pk}/participants/").content.decode()
    assert page.count("Erased after the event") == 2
    # a second run finds nothing left to erase
    assert tasks.erase_visitors.apply().get() == 0
    assert AuditEntry.objects.filter(action="meeting.visitors_erase").count() == 1


def test_erasure_runs_daily_from_beat_and_from_the_command(symposium):
    assert app.conf.beat_schedule["visitor-erase"]["task"] == tasks.erase_visitors.name
    VisitorRegistration.objects.create(meeting=symposium, name="Ada", email="ada@example.net", status="confirmed")
    end_meeting(symposium, days_ago=40)
    out = io.StringIO()
    call_command("erase_visitors", stdout=out)
    assert out.getvalue() == "erased the visitors of 1 meetings (ended over 30 days ago)\n"
    assert VisitorRegistration.objects.get().name == ""


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Your name, e-mail address and affiliation are used only for this event: to confirm your "
           "registration, to tell you of changes and to give the organisers the list of participants. They are "
           "erased 30 days after the event ends."),
    ("ja", "お名前・メールアドレス・所属は、この催しのためだけに使います（登録の確認、変更のお知らせ、"
           "主催者の参加者名簿）。催しの終了から30日後に消去します。"),
])
def test_the_registration_form_states_the_retention_period(client, symposium, language, text):
    for url in (f"/{language}/meetings/{symposium.pk}/", f"/{language}/meetings/{symposium.pk}/visitors/register/"):
        assert text in client.get(url).content.decode()


def test_made_members_only_cancels_visitors_with_one_mail_each_in_their_language(client, deliver, symposium,
                                                                                   group):
    ja = confirm(client, deliver, symposium, email="ja@example.net", language="ja", name="山田 花子")
    en = confirm(client, deliver, symposium, email="en@example.net", language="en")
    waiting = confirm(client, deliver, symposium, email="wait@example.net")
    with deliver():
        register(client, symposium, email="pending@example.net")
    pending_link = link(mail.outbox[-1], "confirm")
    member = member_of(group)
    member_registration = services.register(meeting=symposium, user=member, mode="online")
    assert (ja.status, en.status, waiting.status, member_registration.status) == (
        "confirmed", "confirmed", "waiting", "waiting")
    mail.outbox.clear()
    coordinator = coordinator_of(group)
    with deliver():
        change = services.meeting_update(meeting=symposium, by=coordinator, data={
            "visibility": "members", "open_to_public": False,
            "starts_at": symposium.starts_at + datetime.timedelta(hours=1),
            "ends_at": symposium.ends_at + datetime.timedelta(hours=1)})
    assert change.visitors_cancelled == 4
    assert set(VisitorRegistration.objects.values_list("status", flat=True)) == {"cancelled"}
    # one mail to each visitor who held a place or waited, in their language, and nothing else to them
    to_visitors = sorted((m.to[0], m.subject) for m in mail.outbox if m.to[0].endswith("example.net"))
    assert to_visitors == [
        ("en@example.net", "Registration cancelled: Open symposium"),
        ("ja@example.net", "参加登録の取り消し: 公開シンポジウム"),
        ("wait@example.net", "Registration cancelled: Open symposium"),
    ]
    ja_mail = next(m for m in mail.outbox if m.to == ["ja@example.net"])
    assert "山田 花子 様" in ja_mail.body
    assert "会員のみ" in ja_mail.body
    assert ja_mail.reply_to == [coordinator.email]
    assert "/meetings/visitors/cancel/" not in ja_mail.body
    # the places are freed: the member who waited has one, and the counts agree
    member_registration.refresh_from_db()
    assert member_registration.status == "confirmed"
    assert services._places_taken(symposium, "online") == 1
    assert sorted(Notification.objects.filter(recipient=member).values_list("kind", flat=True)) == [
        "meeting_changed", "registration_moved_up", "registration_waiting"]
    # the unconfirmed address's link no longer confirms anything
    # and its page says why, in the mail's language, without a link to a page the visitor cannot open
    pending_link = pending_link.replace("/ja/", "/en/")
    for response in (client.get(pending_link), client.post(pending_link)):
        page = response.content.decode()
        assert response.status_code == 200
        assert "This meeting no longer takes registrations from the public, so this registration was cancelled" \
            in page
        assert symposium.get_absolute_url().replace("/ja/", "/en/") not in page
    assert VisitorRegistration.objects.get(email="pending@example.net").status == "cancelled"
    entry = AuditEntry.objects.get(action="meeting.visitors_turned_away")
    assert entry.detail == {"cancelled": 4, "told": 3, "visibility": "members"}


def test_the_meeting_form_warns_that_closing_to_visitors_cancels_them(client, symposium, group):
    client.force_login(coordinator_of(group))
    form = client.get(f"/en/meetings/{symposium.pk}/edit/").content.decode()
    assert "Closing it to visitors cancels their registrations; each visitor holding a place is told by e-mail." in form


def test_a_meeting_that_has_ended_keeps_its_visitors_when_made_members_only(client, deliver, symposium):
    confirm(client, deliver, symposium)
    end_meeting(symposium, days_ago=1)
    mail.outbox.clear()
    with deliver():
        change = services.meeting_update(meeting=Meeting.objects.get(pk=symposium.pk), by=None,
                                         data={"visibility": "members", "open_to_public": False})
    assert change.visitors_cancelled == 0
    assert VisitorRegistration.objects.get().status == "confirmed"
    assert mail.outbox == []


def test_asking_again_sends_at_most_one_confirmation_an_hour_and_three_a_day(client, deliver, symposium):
    asked = iter(range(1, 100))

    def ask():
        with deliver():  # each from another network address: the per-address limit is not what is tested
            response = client.post(f"/en/meetings/{symposium.pk}/visitors/register/", {
                "name": "Ada Visitor", "email": "ada@example.net", "mode": "online", "language": "en"},
                REMOTE_ADDR=f"192.0.2.{next(asked)}")
        assert response["Location"] == f"/en/meetings/{symposium.pk}/"  # the same answer every time

    def age(**delta):
        Notification.objects.update(created_at=timezone.now() - datetime.timedelta(**delta))

    for _ in range(5):
        ask()
    assert len(mail.outbox) == 1  # five asks within minutes: one mail, whose link works for 48 hours
    age(minutes=61)
    ask()
    ask()
    assert len(mail.outbox) == 2
    Notification.objects.filter(pk=Notification.objects.latest("pk").pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=61))
    ask()
    assert len(mail.outbox) == 3
    age(hours=2)
    ask()
    assert len(mail.outbox) == 3  # three in a day is the most
    age(hours=25)
    ask()
    assert len(mail.outbox) == 4
    # the last link still confirms; once confirmed, the "already registered" mail may go at once
    with deliver():
        client.post(link(mail.outbox[-1], "confirm"))
    assert VisitorRegistration.objects.get().status == "confirmed"
    ask()
    assert mail.outbox[-1].subject == "Your registration: Open symposium"
    ask()
    assert mail.outbox[-1].subject == "Your registration: Open symposium"
    assert len(mail.outbox) == 6  # confirmation + "already registered", the repeat adds nothing


def test_seed_demo_has_a_public_symposium_open_to_visitors(client):
    """The crawls and contract checks reach the visitor pages only if the demo has such a meeting."""
    call_command("seed_demo", stdout=io.StringIO())
    [meeting] = Meeting.objects.filter(open_to_public=True)
    assert meeting.visibility == "public" and meeting.registration_open
    visitors = list(meeting.visitor_registrations.all())
    assert sorted(v.status for v in visitors) == ["confirmed", "confirmed", "confirmed", "unconfirmed"]
    assert all(v.email.endswith(".example") for v in visitors)  # no demo mail reaches a real mailbox
    assert {v.language for v in visitors} == {"ja", "en"}
    page = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    assert "Register as a visitor" in page
    assert client.get(f"/ja/meetings/{meeting.pk}/visitors/register/").status_code == 200
    call_command("seed_demo", stdout=io.StringIO())
    assert meeting.visitor_registrations.count() == 4


@pytest.mark.parametrize("page", ["", "visitors/register/"])
def test_the_visitor_form_carries_its_csrf_token(symposium, page):
    """The form is an include with ``only``: without the token passed in, every browser's
    registration was refused as forged (the test client does not check CSRF unless asked)."""
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(f"/en/meetings/{symposium.pk}/{page}").content.decode()
    form = html[html.index(f'action="/en/meetings/{symposium.pk}/visitors/register/"'):]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[:form.index("</form>")]).group(1)
    response = browser.post(f"/en/meetings/{symposium.pk}/visitors/register/", {
        "csrfmiddlewaretoken": token, "name": "Ada Visitor", "email": "ada@example.net", "mode": "online",
        "language": "en"})
    assert response.status_code == 302
    assert VisitorRegistration.objects.get().email == "ada@example.net"


def test_a_cancelled_meeting_made_members_only_sends_its_visitors_no_second_mail(client, deliver, symposium):
    confirm(client, deliver, symposium)
    with deliver():
        services.meeting_cancel(meeting=symposium, by=None, reason="typhoon")
    mail.outbox.clear()
    with deliver():
        change = services.meeting_update(meeting=symposium, by=None, data={"visibility": "members",
                                                                           "open_to_public": False})
    assert change.visitors_cancelled == 1
    assert VisitorRegistration.objects.get().status == "cancelled"
    assert mail.outbox == []
