"""A motion's documents: a new version keeps the earlier file listed and downloadable; removal is
confirmed, takes every version and is audited with its reason; a bad request, a decided motion or
someone other than the secretariat changes nothing. (Who may: tests/governance/test_permissions.py.)"""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.governance import services
from meetings.governance.models import Motion, MotionDocument
from meetings.models import Meeting
from members.audit.models import AuditEntry
from members.models import Affiliation
from tests.factories import InstitutionFactory, WorkingGroupFactory, secretariat_user, staff_of
from working_groups.models import WorkingGroup

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Version 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def motion(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    general = WorkingGroupFactory(tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会")
    start = timezone.now() + datetime.timedelta(days=20)
    session = Meeting.objects.create(
        kind="general",
        group=general,
        title_ja="第7回総会",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        visibility="members",
    )
    motion = services.motion_create(
        by=secretariat_user(),
        session=session,
        data={"title_ja": "会則改正の議案", "text_ja": "会則第5条を改める。", "kind": "other"},
    )
    services.motion_put_on_agenda(motion=motion, by=secretariat_user(email="chair@example.org"))
    return Motion.objects.get(pk=motion.pk)


@pytest.fixture
def secretariat(motion):
    return secretariat_user(email="sec2@example.org")


def media_files(settings) -> list[str]:
    return sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def attach(client, motion, title="新旧対照表"):
    return client.post(
        f"/ja/motions/{motion.pk}/documents/",
        {"title": title, "file": SimpleUploadedFile("table.pdf", PDF, "application/pdf")},
    )


def url(motion, document, action):
    return f"/ja/motions/{motion.pk}/documents/{document.pk}/{action}/"


def state():
    return (
        sorted(MotionDocument.objects.values_list("pk", "title", "size", "version_of_id", "file")),
        AuditEntry.objects.count(),
    )


def test_new_version_keeps_the_earlier_one_listed(client, settings, motion, secretariat):
    client.force_login(secretariat)
    attach(client, motion)
    document = MotionDocument.objects.get()
    page = client.get(f"/ja/motions/{motion.pk}/").content.decode()
    assert f'href="{url(motion, document, "version")}"' in page

    response = client.post(
        url(motion, document, "version"),
        {"title": "新旧対照表（修正）", "file": SimpleUploadedFile("table-v2.pdf", PDF_V2)},
    )

    assert response["Location"] == f"/ja/motions/{motion.pk}/#documents"
    earlier = MotionDocument.objects.get(version_of=document)
    document.refresh_from_db()
    assert (document.title, document.size, earlier.title, earlier.size) == (
        "新旧対照表（修正）",
        len(PDF_V2),
        "新旧対照表",
        len(PDF),
    )
    entry = AuditEntry.objects.get(action="document.version")
    assert (entry.actor, entry.detail) == (
        secretariat,
        {"title": "新旧対照表（修正）", "document": document.pk, "version": 2},
    )
    page = client.get(f"/ja/motions/{motion.pk}/").content.decode()
    assert page.count('href="' + document.file.url) == 1  # one document, not two
    assert "以前の版（1件）" in page and earlier.file.url in page
    version_page = client.get(url(motion, document, "version")).content.decode()
    assert document.file.url in version_page and earlier.file.url in version_page

    member = staff_of(InstitutionFactory(), role=Affiliation.Role.REPRESENTATIVE)
    client.force_login(member)  # whoever sees the motion downloads the earlier version too
    assert b"".join(client.get(earlier.file.url).streaming_content) == PDF
    assert url(motion, document, "version") not in client.get(f"/ja/motions/{motion.pk}/").content.decode()


def test_bad_new_version_changes_nothing(client, settings, motion, secretariat):
    client.force_login(secretariat)
    attach(client, motion)
    document = MotionDocument.objects.get()
    before, files = state(), media_files(settings)

    response = client.post(
        url(motion, document, "version"),
        {"file": SimpleUploadedFile("fake.pdf", b"<html><script>alert(1)</script></html>")},
    )

    assert response.status_code == 200
    assert "拡張子と内容が一致するもの" in response.content.decode()
    assert (state(), media_files(settings)) == (before, files)


def test_removal_is_confirmed_then_removes_every_version_with_its_reason(
    client, settings, motion, secretariat, deliver
):
    client.force_login(secretariat)
    attach(client, motion)
    document = MotionDocument.objects.get()
    client.post(url(motion, document, "version"), {"file": SimpleUploadedFile("table-v2.pdf", PDF_V2)})
    before = state()

    confirm = client.get(url(motion, document, "remove")).content.decode()  # asking changes nothing
    assert "「新旧対照表」を削除しますか？" in confirm
    assert "この資料と以前の版1件は、すべての人から見えなくなります。" in confirm
    assert state() == before

    with deliver():  # the files go once the removal commits
        response = client.post(url(motion, document, "remove"), {"reason": "別の議案の資料だったため"})

    assert response["Location"] == f"/ja/motions/{motion.pk}/#documents"
    assert MotionDocument.objects.count() == 0
    assert media_files(settings) == []
    entry = AuditEntry.objects.get(action="document.remove")
    assert (entry.actor, entry.reason, entry.object_id, entry.detail) == (
        secretariat,
        "別の議案の資料だったため",
        motion.pk,
        {"title": "新旧対照表", "versions": 2},
    )


def test_removal_with_a_bad_reason_changes_nothing(client, settings, motion, secretariat):
    client.force_login(secretariat)
    attach(client, motion)
    document = MotionDocument.objects.get()
    before, files = state(), media_files(settings)

    response = client.post(url(motion, document, "remove"), {"reason": "あ" * 1001})

    assert response.status_code == 200
    assert "この値は 1000 文字以下でなければなりません( 1001 文字になっています)。" in response.content.decode()
    assert (state(), media_files(settings)) == (before, files)


@pytest.mark.parametrize("who", ["proposer_contact", "member"])
def test_someone_else_changes_nothing(client, settings, motion, secretariat, who):
    client.force_login(secretariat)
    attach(client, motion)
    document = MotionDocument.objects.get()
    before, files = state(), media_files(settings)
    institution = InstitutionFactory()
    if who == "proposer_contact":  # the proposing institution's contact: corrections go through the secretariat
        Motion.objects.filter(pk=motion.pk).update(proposer=Motion.Proposer.MEMBER, proposer_institution=institution)
    client.force_login(staff_of(institution, role=Affiliation.Role.REPRESENTATIVE))

    assert client.post(url(motion, document, "remove"), {"reason": "不要"}).status_code == 404
    assert (
        client.post(url(motion, document, "version"), {"file": SimpleUploadedFile("x.pdf", PDF_V2)}).status_code == 404
    )
    assert (state(), media_files(settings)) == (before, files)


def test_an_earlier_version_or_another_motions_document_is_404(client, settings, motion, secretariat):
    client.force_login(secretariat)
    attach(client, motion)
    document = MotionDocument.objects.get()
    client.post(url(motion, document, "version"), {"file": SimpleUploadedFile("table-v2.pdf", PDF_V2)})
    earlier = MotionDocument.objects.get(version_of=document)
    other = services.motion_create(
        by=secretariat, session=motion.session, data={"title_ja": "別の議案", "text_ja": "本文", "kind": "other"}
    )

    assert client.get(url(motion, earlier, "remove")).status_code == 404
    assert client.get(url(motion, earlier, "version")).status_code == 404
    assert client.get(url(other, document, "remove")).status_code == 404
