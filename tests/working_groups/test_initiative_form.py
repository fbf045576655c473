"""The initiative form after a failed submit: the files already chosen are kept (nobody chooses them
again), the focus goes to an error summary that links to each field, the institution of a person
with one affiliation has no label over a hidden input, and documents can be attached on the first
save."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from tests.working_groups.test_initiatives import form, png
from working_groups.models import Initiative

pytestmark = pytest.mark.django_db


@pytest.fixture
def campus():
    return WorkingGroupFactory(slug="campus", name_ja="ゼロカーボン・キャンパスWG", name_en="Zero Carbon Campus WG")


@pytest.fixture
def shinshu():
    return InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University", prefecture="20")


def filled(campus, shinshu, **overrides):
    """The form as the page sends it (the one institution is a hidden input)."""
    return form(campus, institution=shinshu.pk, **overrides)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def held_token(page: str, field: str) -> str:
    match = re.search(rf'<input type="hidden" name="{field}_held" value="([^"]+)">', page)
    assert match, f"no {field}_held in the page"
    return match.group(1)


def test_cover_chosen_before_a_validation_error_is_kept_and_saved_next_time(client, campus, shinshu):
    """The cover was silently dropped by any validation error: it had to be chosen again, unsaid."""
    client.force_login(staff_of(shinshu))

    failed = client.post("/ja/initiatives/new/", {**filled(campus, shinshu, title=""), "cover_upload": png((80, 60)),
                                                  "cover_alt": "水路"})

    page = failed.content.decode()
    assert failed.status_code == 200 and not Initiative.objects.exists()
    assert "<strong>cover.png</strong> は保持しています。もう一度選ぶ必要はありません。" in page
    token = held_token(page, "cover_upload")
    response = client.post("/ja/initiatives/new/",
                           {**filled(campus, shinshu), "cover_alt": "水路", "cover_upload_held": token})
    initiative = Initiative.objects.get()
    assert response["Location"] == initiative.get_absolute_url()
    with Image.open(initiative.cover.path) as cover:
        assert cover.size == (80, 60)


def test_a_held_cover_is_only_for_the_person_who_chose_it(client, campus, shinshu):
    client.force_login(staff_of(shinshu))
    page = client.post("/ja/initiatives/new/", {**filled(campus, shinshu, title=""), "cover_upload": png(),
                                                "cover_alt": "水路"}).content.decode()
    token = held_token(page, "cover_upload")
    client.force_login(staff_of(shinshu, email="other@shinshu.example"))

    response = client.post("/ja/initiatives/new/",
                           {**filled(campus, shinshu), "cover_alt": "水路", "cover_upload_held": token})

    assert response.status_code == 200 and not Initiative.objects.exists()
    assert "以前に選んだファイルは保持されていません。もう一度選んでください。" in response.content.decode()


def test_a_document_can_be_attached_on_the_first_save(client, campus, shinshu):
    """Attachments could only be added on the edit page, after a first save."""
    client.force_login(staff_of(shinshu))
    page = client.get("/ja/initiatives/new/").content.decode()
    assert 'name="document_upload"' in page

    client.post("/ja/initiatives/new/", {**filled(campus, shinshu), "document_title": "報告書",
                                         "document_upload": SimpleUploadedFile("report.pdf", PDF)})

    (document,) = Initiative.objects.get().documents.all()
    assert (document.title, document.content_type) == ("報告書", "application/pdf")


def test_a_document_chosen_before_a_validation_error_is_kept(client, campus, shinshu):
    client.force_login(staff_of(shinshu))
    upload = SimpleUploadedFile("report.pdf", PDF)
    page = client.post("/ja/initiatives/new/", {**filled(campus, shinshu, title=""),
                                                "document_upload": upload}).content.decode()

    token = held_token(page, "document_upload")
    client.post("/ja/initiatives/new/", {**filled(campus, shinshu), "document_upload_held": token})

    assert [d.title for d in Initiative.objects.get().documents.all()] == ["report.pdf"]


def test_a_failed_submit_puts_the_focus_on_an_error_summary_linking_to_the_fields(client, campus, shinshu):
    client.force_login(staff_of(shinshu))

    page = client.post("/ja/initiatives/new/", filled(campus, shinshu, title="", themes=[])).content.decode()

    summary = page.split('<div class="callout callout-danger error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert" id="error-summary" tabindex="-1" autofocus' in summary
    assert '<a href="#id_title">タイトル: このフィールドは必須です。</a>' in summary
    assert '<a href="#id_themes_0">テーマ: このフィールドは必須です。</a>' in summary


def test_the_only_institution_has_no_label_over_a_hidden_input(client, shinshu):
    """「機関（必須）」 stood over an input nobody could see."""
    client.force_login(staff_of(shinshu))

    page = client.get("/ja/initiatives/new/").content.decode()

    assert f'<input type="hidden" name="institution" value="{shinshu.pk}" id="id_institution">' in page
    assert 'for="id_institution"' not in page
