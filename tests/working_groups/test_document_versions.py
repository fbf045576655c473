"""An initiative's documents: a new version keeps the earlier file (downloadable by whoever may see the
initiative, nobody else), removal is confirmed, recorded with its reason, and takes every version."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.audit.models import AuditEntry
from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from tests.working_groups.test_permissions import make_initiative
from working_groups.models import Initiative, InitiativeDocument, InitiativeRevision

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Version 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BAD_DOCUMENT = ("PDF、Word、Excel、PowerPoint、PNG、JPEGのファイルで、拡張子と内容が一致するものを"
                "アップロードしてください。")


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    institution = InstitutionFactory(slug="univ-a", name_ja="甲大学")
    author = staff_of(institution, email="author@alpha.example.ac.jp")
    initiative = make_initiative(institution=institution, author=author, slug="alpha-heat",
                                 title="会員限定の地域熱供給", body="本文です。",
                                 themes=[WorkingGroupFactory(slug="energy")], visibility=Initiative.Visibility.MEMBERS)
    return author, initiative, tmp_path


def base(initiative):
    return f"/ja/initiatives/{initiative.slug}/documents/"


def attach(client, initiative):
    return client.post(base(initiative), {"title": "報告書", "file": SimpleUploadedFile("report.pdf", PDF)})


def new_version(client, initiative, document, name="report-v2.pdf", content=PDF_V2):
    return client.post(f"{base(initiative)}{document.pk}/version/", {"file": SimpleUploadedFile(name, content)})


def test_new_version_keeps_the_earlier_one_for_those_who_may_see_the_initiative(client, world):
    author, initiative, media = world
    client.force_login(author)
    attach(client, initiative)
    document = InitiativeDocument.objects.get()

    response = new_version(client, initiative, document)

    assert response["Location"] == f"/ja/initiatives/{initiative.slug}/edit/#documents"
    earlier = InitiativeDocument.objects.get(version_of=document)
    document.refresh_from_db()
    assert (document.size, earlier.size, earlier.title) == (len(PDF_V2), len(PDF), "報告書")
    assert InitiativeRevision.objects.filter(initiative=initiative, changes={"new version": "報告書"}).count() == 1
    page = client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()
    assert "以前の版（1件）" in page and earlier.file.url in page

    reader = staff_of(InstitutionFactory(slug="univ-b"), email="reader@beta.example.ac.jp")
    client.force_login(reader)  # staff of a member: sees a members-only initiative and both files
    assert b"".join(client.get(earlier.file.url).streaming_content) == PDF
    client.logout()  # a visitor sees neither
    assert client.get(earlier.file.url).status_code == 302
    assert client.get(document.file.url).status_code == 302


@pytest.mark.parametrize(("name", "content", "error"), [
    ("empty.pdf", b"", "入力されたファイルは空です。"),
    ("fake.pdf", b"<html><script>alert(1)</script></html>", BAD_DOCUMENT),
])
def test_bad_new_version_changes_nothing(client, world, name, content, error):
    author, initiative, media = world
    client.force_login(author)
    attach(client, initiative)
    document = InitiativeDocument.objects.get()
    revisions, files = InitiativeRevision.objects.count(), sorted(media.rglob("*.pdf"))

    response = new_version(client, initiative, document, name=name, content=content)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert InitiativeDocument.objects.count() == 1
    assert (InitiativeRevision.objects.count(), sorted(media.rglob("*.pdf"))) == (revisions, files)


def test_removal_is_confirmed_then_removes_every_version_with_its_reason(client, world, deliver):
    author, initiative, media = world
    client.force_login(author)
    attach(client, initiative)
    new_version(client, initiative, InitiativeDocument.objects.get())
    document = InitiativeDocument.objects.get(version_of__isnull=True)
    edit = client.get(f"/ja/initiatives/{initiative.slug}/edit/").content.decode()
    assert f'href="{base(initiative)}{document.pk}/remove/"' in edit

    confirm = client.get(f"{base(initiative)}{document.pk}/remove/").content.decode()
    assert "「報告書」を削除しますか？" in confirm
    assert InitiativeDocument.objects.count() == 2

    with deliver():  # the files go once the removal commits
        response = client.post(f"{base(initiative)}{document.pk}/remove/", {"reason": "誤った年度の報告書のため"})

    assert response["Location"] == f"/ja/initiatives/{initiative.slug}/edit/#documents"
    assert InitiativeDocument.objects.count() == 0
    assert list(media.rglob("*.pdf")) == []
    entry = AuditEntry.objects.get(action="document.remove")
    assert (entry.actor, entry.reason, entry.detail) == (author, "誤った年度の報告書のため",
                                                          {"title": "報告書", "versions": 2})
    revisions = client.get(f"/ja/initiatives/{initiative.slug}/revisions/").content.decode()
    assert "誤った年度の報告書のため" in revisions


def test_initiative_page_queries_do_not_grow_with_versions(client, world):
    author, initiative, media = world
    client.force_login(author)

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    attach(client, initiative)
    paths = [f"/ja/initiatives/{initiative.slug}/", f"/ja/initiatives/{initiative.slug}/edit/"]
    one = [count(p) for p in paths]
    for _ in range(3):
        attach(client, initiative)
    for document in InitiativeDocument.objects.filter(version_of__isnull=True):
        new_version(client, initiative, document)
    assert InitiativeDocument.objects.count() == 8
    assert [count(p) for p in paths] == one
