"""Words that meant something else where they were reused: an ambiguous short msgid gets a context
(pgettext) so each place says what it does."""

import pytest
from django.core.files.base import ContentFile

from members.models import Affiliation
from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from tests.working_groups.test_permissions import PDF, make_initiative
from working_groups.models import InitiativeDocument

pytestmark = pytest.mark.django_db


def test_removing_a_document_says_remove_not_end_affiliation(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = InstitutionFactory(slug="univ-a")
    author = staff_of(a)
    initiative = make_initiative(institution=a, author=author, slug="solar", title="太陽光", body="本文",
                                 themes=[WorkingGroupFactory()])
    document = InitiativeDocument(initiative=initiative, title="報告書", content_type="application/pdf",
                                  size=len(PDF), uploaded_by=author)
    document.file.save("report.pdf", ContentFile(PDF), save=False)
    document.save()
    client.force_login(author)

    page = client.get("/ja/initiatives/solar/edit/").content.decode()

    # the link to the removal's confirmation page, which asks "remove", not "end affiliation"
    assert f'<a href="/ja/initiatives/solar/documents/{document.pk}/remove/">削除</a>' in page
    confirm = client.get(f"/ja/initiatives/solar/documents/{document.pk}/remove/").content.decode()
    assert "所属を終了" not in confirm
    assert "所属を終了" not in page


def test_removing_a_person_from_an_institution_still_says_end_affiliation(client):
    a = InstitutionFactory(slug="univ-a")
    contact = staff_of(a, role=Affiliation.Role.CONTACT)
    staff_of(a)
    client.force_login(contact)

    page = client.get("/ja/members/univ-a/people/").content.decode()

    assert ">所属を終了</button>" in page
