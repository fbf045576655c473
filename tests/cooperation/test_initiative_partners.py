"""The partner picker of an initiative's editors (/initiatives/<slug>/partners/): search the partner
directory, link a partner, unlink it, or create one when none fits; plain forms, no JavaScript. The
initiative's page and the partner's page then show each other."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.audit.models import AuditEntry
from working_groups.cooperation.models import Partner
from working_groups.models import Initiative
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db

PICKER = "/en/initiatives/alpha-forest/partners/"


@pytest.fixture
def initiative(world):
    i = Initiative(institution=world.a, author=world.users["staff_a"], slug="alpha-forest", title="里山の炭素調査",
                   summary="概要", body="本文", prefecture="20", started_on=datetime.date(2024, 4, 1),
                   status="published", visibility="public", published_at=timezone.now(), partners="みどり野市役所")
    refresh_derived(i)
    i.save()
    return i


def test_author_finds_links_and_unlinks_a_partner_without_javascript(client, world, initiative):
    client.force_login(world.users["staff_a"])
    page = client.get(PICKER).content.decode()
    assert "No partner organisation is linked yet." in page
    assert '<label for="id_q">Find a partner organisation</label>' in page

    page = client.get(PICKER, {"q": "みどり"}).content.decode()
    assert "1 partner found" in page
    assert f'<input type="hidden" name="partner" value="{world.partner.pk}">' in page

    response = client.post(f"{PICKER}?q=%E3%81%BF%E3%81%A9%E3%82%8A", {"action": "link", "partner": world.partner.pk})
    assert (response.status_code, response["Location"]) == (302, f"{PICKER}?q=%E3%81%BF%E3%81%A9%E3%82%8A")
    assert list(world.partner.initiatives.all()) == [initiative]
    page = client.get(response["Location"]).content.decode()
    assert f"{world.partner.name_en or world.partner.name_ja} is linked to this initiative." in page
    assert "No partner matches. Add it below." in page  # the linked one is not offered again

    detail = client.get("/en/initiatives/alpha-forest/").content.decode()
    assert f'<a href="/en/partners/{world.partner.slug}/">' in detail
    assert "/en/initiatives/alpha-forest/" in client.get(f"/en/partners/{world.partner.slug}/").content.decode()
    assert AuditEntry.objects.filter(action="initiative.partner_link").count() == 1

    client.post(PICKER, {"action": "unlink", "partner": world.partner.pk})
    assert world.partner.initiatives.count() == 0
    assert Initiative.objects.get(pk=initiative.pk).partners == "みどり野市役所"  # the free text stays


def test_editor_creates_a_partner_that_is_not_in_the_directory(client, world, initiative):
    client.force_login(world.users["contact_a"])
    response = client.post(PICKER, {"action": "create", "kind": "company", "name_ja": "架空エネルギー株式会社",
                                    "name_en": "Kaku Energy Co.", "prefecture": "20", "website": ""})
    assert response.status_code == 302
    partner = Partner.objects.get(name_ja="架空エネルギー株式会社")
    assert (partner.slug, partner.kind, list(partner.initiatives.all())) == ("kaku-energy-co", "company", [initiative])
    page = client.get(PICKER).content.decode()
    assert '<a href="/en/partners/kaku-energy-co/"' in page


def test_bad_partner_input_is_explained_and_nothing_is_saved(client, world, initiative):
    client.force_login(world.users["staff_a"])
    before = sorted(Partner.objects.values_list("pk", flat=True))
    response = client.post("/ja/initiatives/alpha-forest/partners/", {
        "action": "create", "kind": "spaceship", "name_ja": "", "name_en": "x", "prefecture": "99", "website": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "このフィールドは必須です。" in page
    assert "正しく選択してください。" in page
    assert sorted(Partner.objects.values_list("pk", flat=True)) == before
    # ids that are not ids: letters, a superscript digit ("²".isdigit() is true: it was a 500), one past
    # any bigint, a row that does not exist
    for data in [{"action": "link", "partner": "999999"}, {"action": "link", "partner": "abc"}, {"action": "nuke"},
                 {"action": "link", "partner": "²"}, {"action": "unlink", "partner": "9" * 30}]:
        response = client.post("/ja/initiatives/alpha-forest/partners/", data)
        assert response.status_code == 302
        assert "その連携先は存在しません" in client.get(response["Location"]).content.decode() or data == {
            "action": "nuke"}
    assert world.partner.initiatives.count() == 0
    long_query = client.get("/ja/initiatives/alpha-forest/partners/", {"q": "あ" * 300})
    assert long_query.status_code == 200
    assert "この値は 100 文字以下でなければなりません( 300 文字になっています)。" in long_query.content.decode()


def test_picker_query_count_does_not_grow_with_partners(client, world, initiative):
    client.force_login(world.users["staff_a"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PICKER, {"q": "市"}).status_code == 200
        return len(ctx)

    few = count()
    for n in range(12):
        linked = Partner.objects.create(slug=f"linked-{n}", kind="municipality", name_ja=f"連携済み市{n}")
        linked.initiatives.add(initiative)
        Partner.objects.create(slug=f"found-{n}", kind="municipality", name_ja=f"候補市{n}")
    assert count() == few
    page = client.get(PICKER, {"q": "市"}).content.decode()
    assert page.count('name="action" value="unlink"') == 12
    assert page.count('name="action" value="link"') == 13  # 12 new ones and Midorino
