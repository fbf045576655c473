"""The public newsletter: double opt-in, confirmation, unsubscribe, resubscribe, purge of unconfirmed
addresses, and each issue delivered once to each confirmed subscriber through the outbox."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone, translation

from meetings.dissemination import services
from meetings.dissemination.models import NewsletterIssue, Subscriber
from meetings.dissemination.tokens import make_confirm_token, make_unsubscribe_token
from members.notifications.models import EmailOptOut, Notification, NotificationPreference
from members.notifications.services import unsubscribe as outbox_unsubscribe
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def link_in(message, pattern=r"http://testserver(/\S+/newsletter/confirm/\S+/)"):
    return re.search(pattern, message.body).group(1)


def subscribe(client, deliver, email="reader@example.net", language="en"):
    with deliver():
        return client.post("/en/newsletter/", {"email": email, "language": language})


def test_subscribe_sends_a_confirmation_in_the_chosen_language_and_waits(client, deliver):
    response = subscribe(client, deliver, language="ja")
    assert response["Location"] == "/en/newsletter/sent/"
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status, subscriber.language) == ("reader@example.net", "pending", "ja")
    [message] = mail.outbox
    assert message.to == ["reader@example.net"]
    assert message.subject == "コアリション ニュースレター購読の確認"
    assert "/ja/newsletter/confirm/" in message.body
    assert "List-Unsubscribe" not in message.extra_headers  # a confirmation, not a newsletter


def test_confirm_link_shows_a_button_and_confirms_on_post(client, deliver):
    subscribe(client, deliver)
    path = link_in(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert Subscriber.objects.get().status == "pending"  # opening the link alone confirms nothing
    response = client.post(path)
    assert response["Location"] == "/en/newsletter/"
    subscriber = Subscriber.objects.get()
    assert (subscriber.status, subscriber.language) == ("confirmed", "en")
    assert subscriber.confirmed_at is not None


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
                                    lambda t: "x" + t, lambda t: "nothing"])
def test_tampered_confirmation_link_confirms_nothing(client, deliver, tamper):
    subscribe(client, deliver)
    token = link_in(mail.outbox[0]).split("/")[-2]
    response = client.post(f"/en/newsletter/confirm/{tamper(token)}/")
    assert response.status_code == 400
    assert "This confirmation link is not valid or has expired." in response.content.decode()
    assert Subscriber.objects.get().status == "pending"


def test_expired_confirmation_link_confirms_nothing(client, deliver, settings):
    subscribe(client, deliver)
    settings.NEWSLETTER_CONFIRM_HOURS = -1
    assert client.post(link_in(mail.outbox[0])).status_code == 400
    assert Subscriber.objects.get().status == "pending"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "not-an-address", "language": "ja"}, "email", "有効なメールアドレスを入力してください。"),
    ({"email": "", "language": "ja"}, "email", "このフィールドは必須です。"),
    ({"email": "a@example.net", "language": "fr"}, "language",
     "正しく選択してください。 fr は候補にありません。"),
])
def test_subscribe_bad_input_explains_and_saves_nothing(client, data, field, message):
    response = client.post("/ja/newsletter/", data)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert Subscriber.objects.count() == 0
    assert Notification.objects.count() == 0


def test_subscribe_is_rate_limited_per_address(client, deliver):
    for n in range(5):
        assert subscribe(client, deliver, email=f"r{n}@example.net").status_code == 302
    response = subscribe(client, deliver, email="r9@example.net")
    assert response.status_code == 429
    assert "Too many subscriptions from your address." in response.content.decode()
    assert Subscriber.objects.count() == 5


def test_robot_filling_the_hidden_field_subscribes_nobody(client, deliver):
    with deliver():
        response = client.post("/ja/newsletter/", {"email": "bot@example.net", "language": "ja",
                                                   "website_url": "http://spam.example"})
    assert response["Location"] == "/ja/newsletter/sent/"
    assert Subscriber.objects.count() == 0
    assert mail.outbox == []


def test_subscribing_a_confirmed_address_again_does_not_stop_its_newsletter(client, deliver):
    Subscriber.objects.create(email="reader@example.net", language="en", status="confirmed",
                              confirmed_at=timezone.now())
    subscribe(client, deliver, language="en")
    assert Subscriber.objects.get().status == "confirmed"
    assert mail.outbox == []  # confirmed in that language already: nothing to confirm


def test_unconfirmed_subscriptions_are_deleted_after_thirty_days(settings):
    old = timezone.now() - datetime.timedelta(days=31)
    Subscriber.objects.create(email="old@example.net", created_at=old)
    Subscriber.objects.create(email="recent@example.net", created_at=timezone.now() - datetime.timedelta(days=2))
    Subscriber.objects.create(email="kept@example.net", status="confirmed", created_at=old)
    assert services.subscribers_purge_unconfirmed() == 1
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == ["kept@example.net", "recent@example.net"]


# ---------------------------------------------------------------------------------------------
# Issues
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def audience(db):
    """Who should and should not receive an issue."""
    confirmed = timezone.now()
    Subscriber.objects.create(email="ja-reader@example.net", language="ja", status="confirmed", confirmed_at=confirmed)
    Subscriber.objects.create(email="en-reader@example.net", language="en", status="confirmed", confirmed_at=confirmed)
    Subscriber.objects.create(email="pending@example.net", language="ja")
    Subscriber.objects.create(email="gone@example.net", language="ja", status="unsubscribed")
    Subscriber.objects.create(email="opted-out@example.net", language="ja", status="confirmed",
                              confirmed_at=confirmed)
    outbox_unsubscribe(kind="newsletter", email="opted-out@example.net")  # the outbox's one-click link
    member = UserFactory(email="member@alpha.example.ac.jp", language="en")
    NotificationPreference.objects.create(user=member, kind="newsletter", delivery="immediate")
    UserFactory(email="not-chosen@alpha.example.ac.jp")
    return member


def make_issue(by=None):
    return services.issue_save(by=by, data={"subject_ja": "6月号", "subject_en": "June issue",
                                            "body_ja": "## 今月のお知らせ\n\n日本語の本文",
                                            "body_en": "## News\n\nEnglish text"})


def test_issue_goes_once_to_each_confirmed_subscriber_and_chosen_member_in_their_language(deliver, audience):
    issue = make_issue()
    with deliver():
        assert services.issue_send(issue=issue, by=None) == 3
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["en-reader@example.net", "ja-reader@example.net", "member@alpha.example.ac.jp"]
    assert by_address["ja-reader@example.net"].subject == "6月号"
    assert "日本語の本文" in by_address["ja-reader@example.net"].body
    assert by_address["en-reader@example.net"].subject == "June issue"
    message = by_address["en-reader@example.net"].message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://testserver/en/account/notifications/unsubscribe/")
    assert message["List-Id"].startswith('"University Coalition for Carbon Neutrality newsletter" <newsletter.')
    assert "/en/newsletter/unsubscribe/" in by_address["en-reader@example.net"].body
    issue.refresh_from_db()
    assert (issue.status, issue.recipients) == ("sent", 3)


def test_issue_is_sent_only_once(deliver, audience):
    issue = make_issue()
    with deliver():
        services.issue_send(issue=issue, by=None)
    rows = Notification.objects.filter(kind="newsletter").count()
    with translation.override("en"), pytest.raises(Exception, match="already been sent"):
        services.issue_send(issue=issue, by=None)  # (in the language of whoever sends: named here)
    assert Notification.objects.filter(kind="newsletter").count() == rows == 3


def test_unsubscribe_link_stops_the_next_issue_and_resubscribing_brings_it_back(client, deliver, audience):
    token = make_unsubscribe_token(email="en-reader@example.net")
    assert "en-reader@example.net" in client.get(f"/en/newsletter/unsubscribe/{token}/").content.decode()
    client.post(f"/en/newsletter/unsubscribe/{token}/")
    assert Subscriber.objects.get(email="en-reader@example.net").status == "unsubscribed"
    with deliver():
        services.issue_send(issue=make_issue(), by=None)
    assert "en-reader@example.net" not in [m.to[0] for m in mail.outbox]

    mail.outbox.clear()
    subscribe(client, deliver, email="en-reader@example.net")
    client.post(link_in(mail.outbox[0]))
    assert Subscriber.objects.get(email="en-reader@example.net").status == "confirmed"
    assert not EmailOptOut.objects.filter(email="en-reader@example.net").exists()
    mail.outbox.clear()
    with deliver():
        services.issue_send(issue=make_issue(), by=None)
    assert "en-reader@example.net" in [m.to[0] for m in mail.outbox]


def test_forged_unsubscribe_link_changes_nothing(client, audience):
    token = make_unsubscribe_token(email="en-reader@example.net")
    assert client.post(f"/en/newsletter/unsubscribe/{token[:-3]}xyz/").status_code == 400
    assert Subscriber.objects.get(email="en-reader@example.net").status == "confirmed"
    assert make_confirm_token(email="x@example.net", language="ja") != token


def test_members_choose_the_newsletter_on_their_settings_page(client):
    user = UserFactory(email="member@alpha.example.ac.jp")
    client.force_login(user)
    body = client.get("/en/account/notifications/").content.decode()
    assert "Coalition newsletter" in body
    assert 'name="newsletter" value="never"' in body and "checked" in body


def test_draft_from_the_month_lists_what_was_published(world):
    data = services.issue_draft_text(since=timezone.now() - datetime.timedelta(days=31))
    assert "ポータル公開のお知らせ" in data["body_ja"]
    assert f"http://testserver/en/news/{world.news.slug}/" in data["body_en"]
    assert data["subject_en"].startswith("Coalition newsletter, ")


def test_secretariat_writes_previews_and_sends_an_issue(client, deliver, world, audience):
    client.force_login(world.users["secretariat"])
    response = client.post("/ja/newsletter/issues/new/", {"subject_ja": "7月号", "subject_en": "July",
                                                         "body_ja": "本文7月", "body_en": "July text"})
    issue = NewsletterIssue.objects.get(subject_ja="7月号")
    assert response["Location"] == f"/ja/newsletter/issues/{issue.pk}/"
    preview = client.get(f"/ja/newsletter/issues/{issue.pk}/").content.decode()
    assert '<div class="prose" lang="en"><p>July text</p></div>' in preview
    with deliver():
        client.post(f"/ja/newsletter/issues/{issue.pk}/send/")
    assert len(mail.outbox) == 3
    assert client.get(f"/ja/newsletter/issues/{issue.pk}/edit/").status_code == 404  # sent: not edited


def test_issue_form_bad_input_saves_nothing(client, world):
    client.force_login(world.users["secretariat"])
    response = client.post("/ja/newsletter/issues/new/", {"subject_ja": "", "body_ja": ""})
    assert response.status_code == 400
    assert "このフィールドは必須です。" in response.context["form"].errors["subject_ja"]
    assert NewsletterIssue.objects.count() == 0
