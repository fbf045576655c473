"""The secretariat's outbox shows each message's subject and body (the subject is not stored: it is
rendered on demand, in the recipient's language), never a link that acts for the recipient."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from members.models import Institution, MembershipApplication
from members.notifications.models import Notification
from members.tokens import application_edit_token, application_edit_url
from tests.factories import MeetingFactory, UserFactory, secretariat_user

pytestmark = pytest.mark.django_db


def message_about(obj, **fields) -> Notification:
    fields.setdefault("dedup_key", f"preview-{fields['kind']}-{fields.get('email')}")
    if obj is not None:
        fields.update(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    return Notification.objects.create(**fields)


def returned_application() -> MembershipApplication:
    return MembershipApplication.objects.create(
        name_ja="差戻大学", name_en="Returned University", name_kana="さしもどしだいがく",
        kind=Institution.Kind.PRIVATE_UNIVERSITY, category=Institution.Category.PARTICIPATING, prefecture="20",
        website="https://returned.example.ac.jp", email_domain="returned.example.ac.jp",
        applicant_email="applicant@returned.example.ac.jp", applicant_name="申込 太郎", applicant_title="総務課長",
        representative_name="代表 花子", representative_title="学長", status=MembershipApplication.Status.RETURNED,
        decided_at=timezone.now(), reason="名称を確認してください。", language="en")


def test_outbox_lists_a_preview_link_for_each_message(client):
    meeting = MeetingFactory(title_ja="秋の会合", title_en="Autumn meeting")
    message = message_about(meeting, kind="meeting_announced", email="reader@example.org", language="en")
    client.force_login(secretariat_user())

    page = client.get("/ja/secretariat/outbox/").content.decode()

    assert (f'<a href="/ja/secretariat/outbox/{message.pk}/">プレビュー<span class="visually-hidden">: '
            "参加するWGの新しい会議, reader@example.org</span></a>") in page


@pytest.mark.parametrize(("language", "subject", "body"), [
    ("ja", "新しい会議: 秋の会合", "会議が予定されました。"),
    ("en", "New meeting: Autumn meeting", "A meeting has been scheduled."),
])
def test_outbox_message_shows_subject_and_body_in_the_recipients_language(client, language, subject, body):
    meeting = MeetingFactory(title_ja="秋の会合", title_en="Autumn meeting")
    reader = UserFactory(email="reader@example.org", language=language)
    message = message_about(meeting, kind="meeting_announced", recipient=reader, email=reader.email,
                            language=language)
    client.force_login(secretariat_user())

    page = client.get(f"/ja/secretariat/outbox/{message.pk}/").content.decode()

    assert f'<div class="mail-preview" lang="{language}">' in page
    assert subject in page
    assert body in page
    assert "/notifications/unsubscribe/" not in page  # the recipient's one-click link is theirs


def test_outbox_message_shortens_the_signed_part_of_personal_links(client):
    """The edit link of a returned application lets whoever holds it change the application."""
    application = returned_application()
    message = message_about(application, kind="application_decided", email=application.applicant_email,
                            language="en", context={"edit_url": application_edit_url(application)})
    client.force_login(secretariat_user())

    page = client.get(f"/en/secretariat/outbox/{message.pk}/").content.decode()

    assert "Please submit a corrected application:" in page
    assert application_edit_token(application) not in page
    assert "/en/members/apply/edit/…/" in page


def test_outbox_message_shows_only_the_subject_of_account_mail(client):
    """Password reset and address confirmation: the link is the whole point, and it is the recipient's."""
    secret = "https://portal.example.org/ja/accounts/password/reset/key/4-cbd1x2-0123456789abcdef/"
    message = message_about(None, kind="account", email="someone@example.org", language="ja",
                            context={"subject": "[大学コアリション] パスワードの再設定", "text": f"再設定: {secret}",
                                     "html": f'<a href="{secret}">再設定</a>'})
    client.force_login(secretariat_user())

    page = client.get(f"/ja/secretariat/outbox/{message.pk}/").content.decode()

    assert "[大学コアリション] パスワードの再設定" in page
    assert "ここでは件名だけを表示します。" in page
    assert "reset/key" not in page


def test_outbox_message_says_when_the_mail_no_longer_applies(client):
    meeting = MeetingFactory()
    message = message_about(meeting, kind="meeting_announced", email="reader@example.org", language="ja")
    meeting.delete()
    client.force_login(secretariat_user())

    response = client.get(f"/ja/secretariat/outbox/{message.pk}/")

    assert response.status_code == 200
    assert "このメールの対象が変更または削除されたため、送信されません。" in response.content.decode()
