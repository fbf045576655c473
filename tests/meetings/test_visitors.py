"""Public symposia: a meeting open to the public takes registrations from visitors without an
account (name, e-mail address, affiliation), confirmed through a link sent to the address (double
opt-in), sharing the capacity and the waiting list with the members' registrations, cancelled
through the link in the mail; the organisers see and export them."""

import csv
import datetime
import io
import re
import threading

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from meetings import services, tokens
from meetings.models import Meeting, Registration, VisitorRegistration
from members.notifications.models import Notification
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    WorkingGroupFactory,
    coordinator_of,
    member_of,
    staff_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return WorkingGroupFactory(slug="regional", name_ja="地域WG", name_en="Regional WG",
                               coordinators=[InstitutionFactory(slug="coord")])


@pytest.fixture
def symposium(group):
    return MeetingFactory(group=group, kind="symposium", title_ja="公開シンポジウム", title_en="Open symposium",
                          visibility="public", open_to_public=True, capacity=2, format="online",
                          online_url="https://meet.example.org/symposium")


def register(client, meeting, language="en", page_language=None, **fields):
    data = {"name": "Ada Visitor", "email": "ada@example.net", "affiliation": "Example City", "mode": "online",
            "language": language, **fields}
    return client.post(f"/{page_language or language}/meetings/{meeting.pk}/visitors/register/", data)


def link(message, kind):
    return re.search(rf"http://testserver(/\w\w/meetings/visitors/{kind}/\S+/)", message.body).group(1)


def confirm(client, deliver, meeting, **fields):
    """Register and confirm through the mail's link; returns the registration."""
    with deliver():
        register(client, meeting, **fields)
    message = mail.outbox[-1]
    with deliver():
        client.post(link(message, "confirm"))
    return VisitorRegistration.objects.get(meeting=meeting, email=fields.get("email", "ada@example.net"))


def test_visitor_registers_confirms_by_link_and_receives_the_ics_with_the_online_link(client, deliver, symposium):
    page = client.get(f"/en/meetings/{symposium.pk}/").content.decode()
    assert "This event is open to the public: register with your name and e-mail address." in page
    with deliver():
        response = register(client, symposium)
    assert response["Location"] == f"/en/meetings/{symposium.pk}/"
    registration = VisitorRegistration.objects.get()
    assert (registration.name, registration.affiliation, registration.status) == (
        "Ada Visitor", "Example City", "unconfirmed")
    [message] = mail.outbox
    assert (message.to, message.subject) == (["ada@example.net"], "Confirm your registration: Open symposium")
    assert "Dear Ada Visitor," in message.body
    assert "https://meet.example.org/symposium" not in message.body  # not before the address is confirmed
    path = link(message, "confirm")
    assert client.get(path).status_code == 200
    registration.refresh_from_db()
    assert registration.status == "unconfirmed"  # opening the link alone confirms nothing
    with deliver():
        response = client.post(path)
    assert response["Location"] == f"/en/meetings/{symposium.pk}/"
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    placed = mail.outbox[1]
    assert placed.subject == "You are registered: Open symposium"
    assert "https://meet.example.org/symposium" in placed.body
    (ics,) = placed.attachments
    assert (ics.get_filename(), ics.get_content_type()) == ("meeting.ics", "text/calendar")
    calendar = ics.get_payload(decode=True).decode()
    assert "SUMMARY:Open symposium" in calendar
    assert "https://meet.example.org/symposium" in calendar
    assert "/en/meetings/visitors/cancel/" in placed.body
    # the place counts on the meeting's page
    assert "1 attending / 2 places" in client.get(f"/en/meetings/{symposium.pk}/").content.decode()
    # a second use of the confirmation link changes nothing and sends nothing
    with deliver():
        client.post(path)
    assert len(mail.outbox) == 2


def test_visitor_mail_is_in_the_language_chosen(client, deliver, symposium):
    registration = confirm(client, deliver, symposium, language="ja")
    assert registration.language == "ja"
    confirm_mail, placed = mail.outbox
    assert confirm_mail.subject == "参加登録の確認: 公開シンポジウム"
    assert "/ja/meetings/visitors/confirm/" in confirm_mail.body
    assert placed.subject == "参加登録が完了しました: 公開シンポジウム"
    assert "/ja/meetings/visitors/cancel/" in placed.body


def test_capacity_and_waiting_list_are_shared_with_members(client, deliver, symposium, group):
    member = member_of(group)
    RegistrationFactory(meeting=symposium, user=member)  # one of the two places
    first = confirm(client, deliver, symposium, email="first@example.net")
    assert first.status == "confirmed"  # the second place
    second = confirm(client, deliver, symposium, email="second@example.net")
    assert second.status == "waiting"
    assert mail.outbox[-1].subject == "On the waiting list: Open symposium"
    assert "https://meet.example.org/symposium" not in mail.outbox[-1].body
    # a member asking now queues behind the visitor
    late = member_of(group)
    assert services.register(meeting=symposium, user=late, mode="online").status == "waiting"
    # the member gives up their place: the visitor who waited first gets it, and is told
    mail.outbox.clear()
    with deliver():
        services.cancel_registration(registration=Registration.objects.get(user=member), by=member)
    second.refresh_from_db()
    assert second.status == "confirmed"
    assert Registration.objects.get(user=late).status == "waiting"
    [moved_up] = mail.outbox
    assert (moved_up.to, moved_up.subject) == (["second@example.net"], "A place became free: Open symposium")
    assert "https://meet.example.org/symposium" in moved_up.body
    # the visitor cancels through the link in the mail: the member waiting moves up
    mail.outbox.clear()
    cancel = link(moved_up, "cancel")
    assert "Cancel the registration of Ada Visitor (second@example.net)?" in client.get(cancel).content.decode()
    with deliver():
        response = client.post(cancel)
    assert response["Location"] == f"/en/meetings/{symposium.pk}/"
    second.refresh_from_db()
    assert second.status == "cancelled"
    assert Registration.objects.get(user=late).status == "confirmed"
    assert [m.to for m in mail.outbox] == [[late.email]]


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
                                    lambda t: "x" + t, lambda t: "nothing"])
def test_tampered_confirmation_link_confirms_nothing(client, deliver, symposium, tamper):
    with deliver():
        register(client, symposium)
    token = link(mail.outbox[0], "confirm").split("/")[-2]
    response = client.post(f"/en/meetings/visitors/confirm/{tamper(token)}/")
    assert response.status_code == 400
    assert "This confirmation link is not valid or has expired." in response.content.decode()
    assert VisitorRegistration.objects.get().status == "unconfirmed"


def test_link_signed_for_another_address_or_expired_does_nothing(client, deliver, symposium, monkeypatch):
    ada = confirm(client, deliver, symposium)
    bob = VisitorRegistration.objects.create(meeting=symposium, name="Bob", email="bob@example.net",
                                             status="confirmed")
    forged = tokens.make_cancel_token(registration=VisitorRegistration(pk=bob.pk, email=ada.email))
    assert client.post(f"/en/meetings/visitors/cancel/{forged}/").status_code == 400
    bob.refresh_from_db()
    assert bob.status == "confirmed"
    pending = VisitorRegistration.objects.create(meeting=symposium, name="Cy", email="cy@example.net")
    token = tokens.make_confirm_token(registration=pending)
    monkeypatch.setattr(tokens, "VISITOR_CONFIRM_HOURS", 0)
    assert client.post(f"/en/meetings/visitors/confirm/{token}/").status_code == 400
    pending.refresh_from_db()
    assert pending.status == "unconfirmed"


def test_asking_again_with_a_confirmed_address_changes_nothing(client, deliver, symposium):
    registration = confirm(client, deliver, symposium)
    with deliver():
        register(client, symposium, name="Someone Else", affiliation="Elsewhere")
    registration.refresh_from_db()
    assert (registration.name, registration.status) == ("Ada Visitor", "confirmed")
    again = mail.outbox[-1]
    assert again.subject == "Your registration: Open symposium"
    assert "You are already registered; nothing has changed." in again.body
    assert "/meetings/visitors/cancel/" in again.body


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "not-an-address"}, "email", "有効なメールアドレスを入力してください。"),
    ({"name": "   "}, "name", "このフィールドは必須です。"),
    ({"mode": "in_person"}, "mode", "正しく選択してください。 in_person は候補にありません。"),
    ({"language": "fr"}, "language", "正しく選択してください。 fr は候補にありません。"),
    ({"affiliation": "x" * 201}, "affiliation", "この値は 200 文字以下でなければなりません( 201 文字になっています)。"),
])
def test_bad_input_explains_and_saves_nothing(client, symposium, data, field, message):
    response = register(client, symposium, **{"language": "ja", "page_language": "ja", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert VisitorRegistration.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_meeting_not_open_to_the_public_takes_no_visitor(client, group):
    members_only = MeetingFactory(group=group, visibility="members")
    public = MeetingFactory(group=group, visibility="public")
    refused = register(client, members_only)  # a visitor may not even see it: sign in first
    assert refused["Location"] == f"/en/accounts/login/?next=/en/meetings/{members_only.pk}/visitors/register/"
    assert register(client, public).status_code == 404
    assert "Register as a visitor" not in client.get(f"/en/meetings/{public.pk}/").content.decode()
    assert VisitorRegistration.objects.count() == 0
    with pytest.raises(Exception, match="meeting_open_to_public_is_public"):
        Meeting.objects.filter(pk=members_only.pk).update(open_to_public=True)


def test_registration_closed_after_the_deadline(client, symposium):
    symposium.registration_deadline = timezone.now() - datetime.timedelta(hours=1)
    symposium.save()
    response = register(client, symposium)
    assert response["Location"] == f"/en/meetings/{symposium.pk}/"
    assert VisitorRegistration.objects.count() == 0


def test_honeypot_registers_nobody(client, symposium):
    response = register(client, symposium, website_url="http://spam.example")
    assert response.status_code == 302
    assert VisitorRegistration.objects.count() == 0


def test_organisers_see_and_export_the_visitors(client, deliver, symposium, group):
    confirm(client, deliver, symposium)
    VisitorRegistration.objects.create(meeting=symposium, name="未確認 太郎", email="pending@example.net",
                                       affiliation="某市役所")
    RegistrationFactory(meeting=symposium, user=member_of(group, staff_of(InstitutionFactory(name_ja="甲大学"),
                                                                            name="会員 花子")))
    coordinator = coordinator_of(group, email="coord@c.example")
    client.force_login(coordinator)
    page = client.get(f"/ja/meetings/{symposium.pk}/participants/").content.decode()
    assert "Ada Visitor" in page and "Example City" in page
    assert "メール確認待ち" in page  # the unconfirmed visitor is shown as such
    body = client.get(f"/ja/meetings/{symposium.pk}/participants/", {"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][-1] == "登録区分"
    assert sorted((r[0], r[2], r[4], r[7]) for r in rows[1:]) == [
        ("Ada Visitor", "Example City", "参加", "一般参加者"),
        ("会員 花子", "甲大学", "参加", "会員"),
        ("未確認 太郎", "某市役所", "メール確認待ち", "一般参加者"),
    ]
    client.logout()
    staff = staff_of(InstitutionFactory())
    client.force_login(staff)
    assert client.get(f"/ja/meetings/{symposium.pk}/participants/").status_code in (403, 404)


def test_cancelling_the_meeting_tells_the_visitors_in_their_language(client, deliver, symposium):
    confirm(client, deliver, symposium, language="ja", email="ja@example.net")
    confirm(client, deliver, symposium, language="en", email="en@example.net")
    VisitorRegistration.objects.create(meeting=symposium, name="Unconfirmed", email="u@example.net")
    mail.outbox.clear()
    with deliver():
        services.meeting_cancel(meeting=symposium, by=None, reason="台風のため / typhoon")
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert subjects == [("en@example.net", "Cancelled: Open symposium"), ("ja@example.net", "中止: 公開シンポジウム")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_member_and_a_visitor_taking_the_last_seat_at_once_one_gets_it():
    """Two threads, two connections, one seat: the meeting row's lock serialises the member's
    registration and the visitor's confirmation."""
    group = WorkingGroupFactory()
    meeting = MeetingFactory(group=group, visibility="public", open_to_public=True, capacity=2)
    RegistrationFactory(meeting=meeting)
    member = member_of(group)
    visitor = VisitorRegistration.objects.create(meeting=meeting, name="V", email="v@example.net")
    token = tokens.make_confirm_token(registration=visitor)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def run(key, call):
        try:
            barrier.wait()
            results[key] = call().status
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=("member", lambda: services.register(meeting=meeting, user=member,
                                                                                 mode="online"))),
        threading.Thread(target=run, args=("visitor", lambda: services.visitor_confirm(token=token))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(results.values()) == ["confirmed", "waiting"]
    taken = (Registration.objects.filter(meeting=meeting, status="confirmed").count()
             + VisitorRegistration.objects.filter(meeting=meeting, status="confirmed").count())
    assert taken == 2


def test_a_visitors_place_shows_at_once_on_the_cached_meeting_page(client, settings, symposium):
    """Visitors' places count on the page a visitor is served from the page cache: a change to them
    invalidates it as a member's registration does."""
    settings.PAGE_CACHE_SECONDS = 60
    Meeting.objects.filter(pk=symposium.pk).update(registration_deadline=timezone.now() - datetime.timedelta(hours=1))
    url = f"/en/meetings/{symposium.pk}/"
    assert [client.get(url)["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
    VisitorRegistration.objects.create(meeting=symposium, name="Ada Visitor", email="ada@example.net",
                                       status=VisitorRegistration.Status.CONFIRMED, mode="online")
    fresh = client.get(url)
    assert fresh["X-Page-Cache"] == "miss" and "1 attending" in fresh.content.decode()
