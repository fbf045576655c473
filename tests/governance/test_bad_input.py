"""Bad input on the general meeting's forms: a clear, translated error where the person reads it,
and nothing saved (motions, votes, proxies, audit, outbox), no e-mail sent."""

import html
import re

import pytest
from django.core import mail

from meetings.governance.models import Motion, Proxy, Vote
from members.audit.models import AuditEntry
from members.notifications.models import Notification
from tests.factories import UserFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db

REQUIRED = {"ja": "このフィールドは必須です。", "en": "This field is required."}


def state():
    return (sorted(Motion.objects.values_list("pk", "status", "title_ja", "voting_closes_at", "updated_at")),
            sorted(Vote.objects.values_list("pk", "choice", "version")),
            sorted(Proxy.objects.values_list("pk", "holder_id")),
            AuditEntry.objects.count(), Notification.objects.count())


def post(client, deliver, path, data):
    before = state()
    mail.outbox.clear()
    with deliver():
        response = client.post(path, data)
    assert state() == before
    assert mail.outbox == []
    return response, html.unescape(response.content.decode())


def new_motion(**data):
    return {"kind": "other", "title_ja": "議案", "text_ja": "本文", "proposer": "secretariat", **data}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_motion_without_text_is_refused(client, deliver, coalition, lang):
    client.force_login(coalition.secretariat)
    response, page = post(client, deliver, f"/{lang}/general-meeting/{coalition.session.pk}/motions/new/",
                          new_motion(text_ja=""))
    assert response.status_code == 400
    assert REQUIRED[lang] in page


@pytest.mark.parametrize(("data", "message"), [
    (new_motion(proposer="member"), "議案を提案する機関を選んでください。"),
    (new_motion(kind="group_create", group_slug="", group_name_ja="新WG"),
     "設置するWGのアドレス名を入力してください。"),
    (new_motion(kind="group_create", group_slug="taken", group_name_ja="新WG"), "このアドレス名のWGはすでにあります。"),
    (new_motion(kind="group_abolish"), "廃止する活動中のWGを選んでください。"),
    (new_motion(kind="nonsense"), "正しく選択してください。 nonsense は候補にありません。"),
    (new_motion(title_ja="x" * 201), "この値は 200 文字以下でなければなりません( 201 文字になっています)。"),
])
def test_motion_form_errors_are_explained(client, deliver, coalition, data, message):
    WorkingGroupFactory(slug="taken")
    client.force_login(coalition.secretariat)
    response, page = post(client, deliver, f"/ja/general-meeting/{coalition.session.pk}/motions/new/", data)
    assert response.status_code == 400
    assert message in page


@pytest.mark.parametrize(("closes_at", "message"), [
    ("2001-01-01T10:00", "締切は未来の日時にしてください。"),
    ("9999-01-01T10:00", "2000年から2100年までの日付を入力してください。"),
    ("tomorrow", "日時を正しく入力してください。"),
])
def test_opening_with_a_bad_window_is_refused(client, deliver, coalition, closes_at, message):
    motion = coalition.motion(status="agenda")
    client.force_login(coalition.secretariat)
    response, page = post(client, deliver, f"/ja/motions/{motion.pk}/open/", {"closes_at": closes_at})
    assert response.status_code == 400
    assert message in page


def test_withdrawing_without_a_reason_is_refused(client, deliver, coalition):
    motion = coalition.motion()
    client.force_login(coalition.secretariat)
    response, page = post(client, deliver, f"/ja/motions/{motion.pk}/withdraw/", {"reason": " "})
    assert response.status_code == 400
    assert REQUIRED["ja"] in page


def test_closing_a_motion_not_open_says_why(client, deliver, coalition):
    motion = coalition.motion(status="agenda")
    client.force_login(coalition.secretariat)
    response, _page = post(client, deliver, f"/ja/motions/{motion.pk}/close/", {})
    page = client.get(response["Location"]).content.decode()
    assert "この議案の表決は受け付けていません。" in page


@pytest.mark.parametrize("choice", ["", "maybe", "for'--"])
def test_vote_with_a_bad_choice_is_refused(client, deliver, coalition, choice):
    motion = coalition.motion()
    client.force_login(coalition.reps[0])
    response, page = post(client, deliver, f"/ja/motions/{motion.pk}/vote/",
                          {"institution": coalition.institutions[0].pk, "choice": choice})
    assert response.status_code == 400
    error = "このフィールドは必須です。" if not choice else "正しく選択してください。"
    # the summary the focus lands on after the reload names the error and links to the choices
    summary = re.search(r'<div class="callout callout-danger error-summary".*?</div>', page, re.S).group(0)
    target = re.search(r'<a href="#([^"]+)">[^<]*' + re.escape(error), summary).group(1)
    assert f'id="{target}"' in page and str(coalition.institutions[0].pk) in target


def test_vote_after_the_window_shows_the_reason(client, deliver, coalition):
    import datetime

    from django.utils import timezone

    motion = coalition.motion(closes_at=timezone.now() + datetime.timedelta(hours=1))
    Motion.objects.filter(pk=motion.pk).update(voting_closes_at=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(coalition.reps[0])
    response, _page = post(client, deliver, f"/ja/motions/{motion.pk}/vote/",
                           {"institution": coalition.institutions[0].pk, "choice": "for"})
    assert "この議案の表決は締め切られました。" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("holder", ["", "abc", "0"])
def test_proxy_with_a_bad_holder_is_refused(client, deliver, coalition, holder):
    client.force_login(coalition.reps[0])
    response, page = post(client, deliver, f"/ja/general-meeting/{coalition.session.pk}/proxy/",
                          {"institution": coalition.institutions[0].pk, "holder": holder})
    assert response.status_code == 400


def test_proxy_for_an_outsider_is_refused(client, deliver, coalition):
    outsider = UserFactory()
    client.force_login(coalition.reps[0])
    response, page = post(client, deliver, f"/ja/general-meeting/{coalition.session.pk}/proxy/",
                          {"institution": coalition.institutions[0].pk, "holder": outsider.pk})
    assert response.status_code == 400
    assert "正しく選択してください。" in page


@pytest.mark.parametrize("path", ["/ja/general-meeting/999999/", "/ja/motions/999999/",
                                  "/ja/general-meeting/abc/", "/ja/motions/-1/"])
def test_unknown_addresses_are_404(client, coalition, path):
    assert client.get(path).status_code == 404


def test_a_group_meeting_is_not_a_session(client, coalition):
    from tests.factories import MeetingFactory

    meeting = MeetingFactory(visibility="public")
    assert client.get(f"/ja/general-meeting/{meeting.pk}/").status_code == 404
