"""Documents with versions and a history, minutes saved as a draft before they are published.

Real PostgreSQL and files on disk (MEDIA_ROOT in a temporary directory): a new version keeps the
earlier file, downloadable by whoever may see the meeting and nobody else; removal is confirmed,
audited and shown to those who run the meeting; a draft of the minutes is seen by them alone, and
publishing is the step that tells people (the weekly digest, once).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import selectors
from meetings.digest import period_for
from meetings.models import Meeting, MeetingDocument, MinutesRevision
from members.audit.models import AuditEntry
from tests.factories import InstitutionFactory, WorkingGroupFactory, coordinator_of, staff_of
from tests.meetings.test_bad_input import BAD_DOCUMENT, PDF, field_errors, make_meeting, row_counts, start_in
from working_groups.models import Membership

pytestmark = pytest.mark.django_db

PDF_V2 = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Version 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def group():
    coordinating = InstitutionFactory(slug="univ-c", name_ja="丙工業大学", name_en="Gamma Institute")
    return WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[coordinating])


@pytest.fixture
def coordinator(group):
    return coordinator_of(group, email="coordinator@gamma.example.ac.jp")


@pytest.fixture
def member(group):
    institution = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University")
    user = staff_of(institution, email="member@alpha.example.ac.jp")
    Membership.objects.create(group=group, user=user, institution=institution, status=Membership.Status.ACTIVE)
    return user


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def meeting(group):
    """Past, for the group's members only."""
    return make_meeting(group, starts_at=start_in(-2), visibility=Meeting.Visibility.GROUP)


@pytest.fixture
def outsider():
    """Staff of a member institution outside the group: may not see the group's meeting."""
    return staff_of(InstitutionFactory(slug="univ-z"), email="outsider@zeta.example.ac.jp")


def attach(client, meeting, name="slides.pdf", content=PDF, title="当日資料"):
    return client.post(f"/ja/meetings/{meeting.pk}/documents/",
                       {"title": title, "file": SimpleUploadedFile(name, content, "application/pdf")})


def new_version(client, meeting, document, name="slides-v2.pdf", content=PDF_V2, title="", follow=False):
    return client.post(f"/ja/meetings/{meeting.pk}/documents/{document.pk}/version/",
                       {"title": title, "file": SimpleUploadedFile(name, content, "application/pdf")}, follow=follow)


def files(path) -> list[str]:
    return sorted(p.name for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------


def test_new_version_keeps_the_earlier_file_listed_and_downloadable(client, deliver, media, meeting, coordinator,
                                                                     member):
    client.force_login(coordinator)
    with deliver():
        attach(client, meeting)
    document = MeetingDocument.objects.get()
    first_file = document.file.name

    with deliver():
        response = new_version(client, meeting, document, follow=True)

    assert response.redirect_chain == [(f"/ja/meetings/{meeting.pk}/#documents", 302)]
    assert "新しい版をアップロードしました。以前の版も残っています。" in response.content.decode()
    document.refresh_from_db()
    earlier = MeetingDocument.objects.get(version_of=document)
    # the document keeps its address and title; its file is the new one, the old one is a version
    assert (document.title, document.version_of, document.size) == ("当日資料", None, len(PDF_V2))
    assert (earlier.file.name, earlier.size, earlier.uploaded_by) == (first_file, len(PDF), coordinator)
    assert len(files(media)) == 2
    page = response.content.decode()
    assert page.count(">当日資料</a>") == 2  # the newest, and the earlier one in "1 earlier version"
    assert page.index(document.file.url) < page.index(earlier.file.url)
    assert "以前の版（1件）" in page

    client.force_login(member)  # a member of the group sees the meeting: both versions download
    for row, content in ((document, PDF_V2), (earlier, PDF)):
        download = client.get(row.file.url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == content


def test_earlier_version_is_refused_to_whoever_may_not_see_the_meeting(client, deliver, media, meeting,
                                                                          coordinator, outsider):
    client.force_login(coordinator)
    with deliver():
        attach(client, meeting)
        new_version(client, meeting, MeetingDocument.objects.get())
    earlier = MeetingDocument.objects.get(version_of__isnull=False)

    client.force_login(outsider)
    assert client.get(earlier.file.url).status_code == 404
    client.logout()
    response = client.get(earlier.file.url)
    assert response.status_code == 302 and response["Location"].startswith("/ja/accounts/login/")


def test_member_may_not_upload_a_new_version(client, deliver, media, meeting, coordinator, member):
    client.force_login(coordinator)
    with deliver():
        attach(client, meeting)
    document = MeetingDocument.objects.get()
    client.force_login(member)
    before = row_counts()

    with deliver():
        # refused as pages are (members/access.py): a member sees no such page
        assert client.get(f"/ja/meetings/{meeting.pk}/documents/{document.pk}/version/").status_code == 404
        assert new_version(client, meeting, document).status_code == 404

    assert row_counts() == before
    assert len(files(media)) == 1


@pytest.mark.parametrize(("name", "content", "error"), [
    ("empty.pdf", b"", "入力されたファイルは空です。"),
    ("big.pdf", PDF + b"0" * (1024 * 1024), "ファイルが大きすぎます（1MBまで）。"),
    ("script.pdf", b"<script>alert(1)</script>", BAD_DOCUMENT),
])
def test_bad_new_version_changes_nothing_and_says_why(client, deliver, media, meeting, coordinator, settings,
                                                      name, content, error):
    client.force_login(coordinator)
    with deliver():
        attach(client, meeting)
    settings.MAX_DOCUMENT_UPLOAD = 1024 * 1024
    document = MeetingDocument.objects.get()
    before, on_disk = row_counts(), files(media)

    with deliver():
        response = new_version(client, meeting, document, name=name, content=content)

    assert response.status_code == 200
    assert field_errors(response, "file") == [error]
    assert row_counts() == before
    assert files(media) == on_disk
    assert MeetingDocument.objects.get().file.name == document.file.name


def test_version_of_another_meetings_document_is_404(client, deliver, media, group, meeting, coordinator):
    other = make_meeting(group, title_ja="別の会合")
    client.force_login(coordinator)
    with deliver():
        attach(client, other)
    document = MeetingDocument.objects.get()

    assert new_version(client, meeting, document).status_code == 404
    # an earlier version is not a document of its own: no version of it, no removing it alone
    with deliver():
        new_version(client, other, document)
    earlier = MeetingDocument.objects.get(version_of__isnull=False)
    assert new_version(client, other, earlier).status_code == 404
    assert client.get(f"/ja/meetings/{other.pk}/documents/{earlier.pk}/remove/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Removal: confirmed, audited, shown in the history
# ---------------------------------------------------------------------------------------------


def test_removal_asks_for_confirmation_then_removes_every_version_with_an_audit_entry(
        client, deliver, media, meeting, coordinator, member):
    client.force_login(coordinator)
    with deliver():
        attach(client, meeting)
        new_version(client, meeting, MeetingDocument.objects.get())
    document = MeetingDocument.objects.get(version_of__isnull=True)
    page = client.get(f"/ja/meetings/{meeting.pk}/").content.decode()
    remove_url = f"/ja/meetings/{meeting.pk}/documents/{document.pk}/remove/"
    assert f'href="{remove_url}"' in page  # a link to the confirmation, not a button that removes at once

    confirm = client.get(remove_url).content.decode()
    assert "「当日資料」を削除しますか？" in confirm
    assert "この資料と以前の版1件は、すべての人から見えなくなります。" in confirm
    assert MeetingDocument.objects.count() == 2

    with deliver():
        response = client.post(remove_url, {"reason": "古い日程の資料のため"}, follow=True)

    assert response.redirect_chain == [(f"/ja/meetings/{meeting.pk}/#documents", 302)]
    assert MeetingDocument.objects.count() == 0
    assert files(media) == []
    entry = AuditEntry.objects.get(action="document.remove")
    assert (entry.actor, entry.reason, entry.detail) == (coordinator, "古い日程の資料のため",
                                                          {"title": "当日資料", "versions": 2})
    history = response.content.decode()
    history = history[history.index('id="document-history"'):]
    history = history[:history.index("</section>")]
    assert "coordinator@gamma.example.ac.jp 資料を削除: 当日資料" in history
    assert "理由: 古い日程の資料のため" in history
    assert "新しい版の資料をアップロード: 当日資料" in history
    assert "資料を添付: 当日資料" in history

    client.force_login(member)  # the history is for those who run the meeting
    assert 'id="document-history"' not in client.get(f"/ja/meetings/{meeting.pk}/").content.decode()


def test_removal_reason_too_long_changes_nothing(client, deliver, media, meeting, coordinator):
    client.force_login(coordinator)
    with deliver():
        attach(client, meeting)
    document = MeetingDocument.objects.get()
    before = row_counts()

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/documents/{document.pk}/remove/", {"reason": "あ" * 1001})

    assert response.status_code == 200
    assert field_errors(response, "reason") == [
        "この値は 1000 文字以下でなければなりません( 1001 文字になっています)。"]
    assert row_counts() == before
    assert len(files(media)) == 1


def test_meeting_page_queries_do_not_grow_with_documents_versions_and_history(client, deliver, media, meeting,
                                                                               coordinator):
    client.force_login(coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/ja/meetings/{meeting.pk}/").status_code == 200
        return len(queries)

    with deliver():
        attach(client, meeting, title="資料0")
    one = count()
    with deliver():
        for i in range(1, 5):
            attach(client, meeting, title=f"資料{i}")
        for document in MeetingDocument.objects.filter(version_of__isnull=True):
            new_version(client, meeting, document)
            new_version(client, meeting, MeetingDocument.objects.get(pk=document.pk))
    assert MeetingDocument.objects.count() == 15
    assert count() == one


# ---------------------------------------------------------------------------------------------
# Minutes: draft, publication, corrections
# ---------------------------------------------------------------------------------------------


def save_minutes(client, deliver, meeting, text, action):
    with deliver():
        return client.post(f"/ja/meetings/{meeting.pk}/minutes/", {"minutes": text, "action": action})


def in_digest(user, meeting, moment) -> bool:
    items = selectors.minutes_for_digest([user], period_for(moment))
    return any(item["url"].endswith(f"/meetings/{meeting.pk}/") for item in items.get(user.pk, []))


def test_draft_is_seen_only_by_those_who_run_the_meeting(client, deliver, meeting, coordinator, member, outsider):
    client.force_login(coordinator)
    response = save_minutes(client, deliver, meeting, "## 決定事項\n\n下書きの議事録です。", "draft")

    assert response["Location"] == f"/ja/meetings/{meeting.pk}/minutes/"
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_html, meeting.minutes_published_at) == ("", "", None)
    assert meeting.minutes_draft == "## 決定事項\n\n下書きの議事録です。"
    editor = client.get(f"/ja/meetings/{meeting.pk}/minutes/").content.decode()
    assert "下書き</strong>" in editor and "下書きの議事録です。" in editor
    page = client.get(f"/ja/meetings/{meeting.pk}/").content.decode()
    assert 'id="minutes-draft"' in page and "下書きの議事録です。" not in page
    assert not in_digest(member, meeting, timezone.now() + datetime.timedelta(days=1))

    for person in (member, outsider, None):
        if person:
            client.force_login(person)
        else:
            client.logout()
        page = client.get(f"/ja/meetings/{meeting.pk}/")
        assert "下書き" not in page.content.decode()
        assert 'id="minutes"' not in page.content.decode()
        editor = client.get(f"/ja/meetings/{meeting.pk}/minutes/")
        assert editor.status_code in (302, 403, 404)
        assert "下書きの議事録です。" not in editor.content.decode()
        before = row_counts()
        save_minutes(client, deliver, meeting, "乗っ取り", "publish")
        assert row_counts() == before


def test_publishing_shows_the_minutes_and_tells_people_once(client, deliver, meeting, coordinator, member):
    client.force_login(coordinator)
    save_minutes(client, deliver, meeting, "第1稿", "draft")

    response = save_minutes(client, deliver, meeting, "## 決定事項\n\n公開する議事録です。", "publish")

    assert response["Location"] == f"/ja/meetings/{meeting.pk}/#minutes"
    meeting.refresh_from_db()
    published_at = meeting.minutes_published_at
    assert published_at is not None and meeting.minutes_draft == ""
    assert AuditEntry.objects.filter(action="minutes.publish", object_id=meeting.pk).count() == 1
    client.force_login(member)
    assert "公開する議事録です。" in client.get(f"/ja/meetings/{meeting.pk}/").content.decode()
    this_week = published_at + datetime.timedelta(hours=1)
    assert in_digest(member, meeting, this_week)

    # a correction: drafted (members still read the published text), then published again
    client.force_login(coordinator)
    save_minutes(client, deliver, meeting, "## 決定事項\n\n訂正した議事録です。", "draft")
    client.force_login(member)
    page = client.get(f"/ja/meetings/{meeting.pk}/").content.decode()
    assert "公開する議事録です。" in page and "訂正した議事録です。" not in page
    client.force_login(coordinator)
    save_minutes(client, deliver, meeting, "## 決定事項\n\n訂正した議事録です。", "publish")

    meeting.refresh_from_db()
    assert meeting.minutes_published_at == published_at  # people are not told again
    assert not in_digest(member, meeting, this_week + datetime.timedelta(days=7))
    assert AuditEntry.objects.filter(action="minutes.republish", object_id=meeting.pk).count() == 1
    assert list(MinutesRevision.objects.filter(meeting=meeting).values_list("state", "text")) == [
        ("published", "## 決定事項\n\n訂正した議事録です。"),
        ("draft", "## 決定事項\n\n訂正した議事録です。"),
        ("published", "## 決定事項\n\n公開する議事録です。"),
        ("draft", "第1稿"),
    ]
    # the same text published again changes nothing
    before = row_counts()
    save_minutes(client, deliver, meeting, "## 決定事項\n\n訂正した議事録です。", "publish")
    assert row_counts() == before


def test_empty_minutes_cannot_be_published(client, deliver, meeting, coordinator):
    client.force_login(coordinator)
    before = row_counts()

    response = save_minutes(client, deliver, meeting, "   ", "publish")

    assert response.status_code == 200
    assert "議事録を書いてから公開してください。" in response.content.decode()
    assert row_counts() == before
    assert Meeting.objects.get(pk=meeting.pk).minutes_published_at is None


def test_saving_without_choosing_publish_keeps_a_draft(client, deliver, meeting, coordinator):
    """Pressing Enter or an old form sends no action: nothing is published by accident."""
    client.force_login(coordinator)
    with deliver():
        client.post(f"/ja/meetings/{meeting.pk}/minutes/", {"minutes": "下書き"})
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_draft, meeting.minutes_published_at) == ("", "下書き", None)


@pytest.mark.parametrize("action", ["draft", "\x00", "公開", "publish\x00"])
def test_any_action_but_publish_keeps_a_draft(client, deliver, meeting, coordinator, action):
    """Only the publish button publishes; any other value (one no button sends, a NUL among them)
    saves the draft. It used to be a hidden field, whose refusal of a NUL had no place on the page."""
    client.force_login(coordinator)
    response = save_minutes(client, deliver, meeting, "下書き", action)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_draft, meeting.minutes_published_at) == ("", "下書き", None)
