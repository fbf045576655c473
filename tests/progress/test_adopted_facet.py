"""The "adopted" facet of /initiatives/: ``?adopted=yes`` lists the initiatives another institution
adopted, ``?adopted=no`` those nobody has yet, each counted beside the other facets like them; the
list's queries do not grow with initiatives or adoptions."""

import datetime
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, staff_of
from working_groups.models import Initiative
from working_groups.progress.models import Adoption
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db


def make(institution, group, slug, *, visibility="public"):
    initiative = Initiative(institution=institution, author=None, slug=slug, title=f"取組 {slug}", summary="概要",
                            body="本文", prefecture=institution.prefecture, started_on=datetime.date(2023, 4, 1),
                            status="published", published_at=timezone.now(), visibility=visibility)
    refresh_derived(initiative)
    initiative.save()
    initiative.themes.set([group])
    return initiative


@pytest.fixture
def world():
    a = InstitutionFactory(slug="univ-a", prefecture="13")
    b = InstitutionFactory(slug="univ-b", prefecture="20")
    c = InstitutionFactory(slug="univ-c", prefecture="47")
    campus, energy = WorkingGroupFactory(slug="campus"), WorkingGroupFactory(slug="energy")
    items = {
        "zeb": make(a, campus, "zeb"),
        "solar": make(a, energy, "solar"),
        "forest": make(b, campus, "forest"),
        "bus": make(b, energy, "bus"),
        "secret": make(c, campus, "secret", visibility="members"),
    }
    for initiative, adopter in [("zeb", b), ("zeb", c), ("solar", c), ("secret", a)]:
        Adoption.objects.create(initiative=items[initiative], institution=adopter, year=2025)
    return {"a": a, "b": b, "c": c, **items}


def listed(page: str) -> list[str]:
    return sorted(slug for slug in ["zeb", "solar", "forest", "bus", "secret"]
                  if f'href="/en/initiatives/{slug}/"' in page)


def adopted_select(page: str) -> str:
    return page[page.index('<select name="adopted"'):].split("</select>")[0]


def test_adopted_facet_counts_and_filters_for_a_visitor(client, world):
    page = client.get("/en/initiatives/").content.decode()
    assert '<label for="id_adopted">Adopted by others</label>' in page
    assert adopted_select(page) == (
        '<select name="adopted" id="id_adopted">\n<option value="">All</option>\n'
        '<option value="yes">Adopted by other institutions (2)</option>\n'
        '<option value="no">Not adopted yet (2)</option>')

    page = client.get("/en/initiatives/?adopted=yes").content.decode()
    assert listed(page) == ["solar", "zeb"]
    assert "2 initiatives" in page
    assert '<option value="yes" selected>Adopted by other institutions (2)</option>' in page
    assert listed(client.get("/en/initiatives/?adopted=no").content.decode()) == ["bus", "forest"]


def test_adopted_facet_follows_the_other_filters_and_they_follow_it(client, world):
    page = client.get("/en/initiatives/?wg=campus").content.decode()
    assert adopted_select(page).endswith(
        '<option value="yes">Adopted by other institutions (1)</option>\n'
        '<option value="no">Not adopted yet (1)</option>')
    page = client.get("/en/initiatives/?adopted=yes&wg=energy").content.decode()
    assert listed(page) == ["solar"]
    # the groups' counts are those of adopted initiatives
    wg_select = page[page.index('<select name="wg"'):].split("</select>")[0]
    assert "(1)" in wg_select.split('value="campus"')[1].split("</option>")[0]


def test_members_see_members_only_adoptions_counted(client, world):
    client.force_login(staff_of(world["a"]))
    page = client.get("/en/initiatives/?adopted=yes").content.decode()
    assert listed(page) == ["secret", "solar", "zeb"]
    assert '<option value="yes" selected>Adopted by other institutions (3)</option>' in page


def test_adopted_count_changes_when_an_adoption_is_recorded(client, world):
    client.get("/en/initiatives/")  # cached
    Adoption.objects.create(initiative=world["bus"], institution=world["a"], year=2026)
    page = client.get("/en/initiatives/").content.decode()
    assert '<option value="yes">Adopted by other institutions (3)</option>' in page
    assert '<option value="no">Not adopted yet (1)</option>' in page


def test_a_bad_adopted_value_is_a_translated_error_listing_nothing(client, world):
    page = client.get("/ja/initiatives/?adopted=maybe").content.decode()
    assert "正しく選択してください。 maybe は候補にありません。" in page
    assert "/ja/initiatives/zeb/" not in page


@pytest.mark.parametrize("path", ["/en/initiatives/", "/en/initiatives/?adopted=yes",
                                  "/en/initiatives/?adopted=no&wg=campus"])
def test_adopted_list_query_count_does_not_grow(client, world, path):
    client.force_login(UserFactory())

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx)

    few = count()
    campus = world["zeb"].themes.get()
    for n in range(15):
        institution = InstitutionFactory(prefecture=f"{n % 47 + 1:02d}")
        initiative = make(institution, campus, f"more-{n}")
        for adopter in (world["a"], world["b"], world["c"])[: n % 4]:
            Adoption.objects.create(initiative=initiative, institution=adopter, year=2025)
    assert count() == few


def test_a_profile_lists_what_it_adopted_and_what_others_adopted_from_it(client, world):
    """An institution's profile names each initiative, the other institution and the year; one it
    adopted that is for members only, only to members."""
    def section(path):
        page = client.get(path).content.decode()
        return page.split('id="progress-title"')[1].split("</section>")[0]

    visitor = section("/en/members/univ-a/")
    assert "Initiatives it adopted" not in visitor and "secret" not in visitor
    from_it = visitor.split("Its initiatives others adopted")[1]
    for slug, adopter in [("zeb", "b"), ("zeb", "c"), ("solar", "c")]:
        name = escape(world[adopter].name_en)
        assert f'href="/en/initiatives/{slug}/">取組 {slug}</a> <span class="meta">{name} · 2025' in from_it
    client.force_login(staff_of(world["b"]))
    adopted = section("/ja/members/univ-a/").split("この機関が導入した取組")[1]
    assert f'href="/ja/initiatives/secret/">取組 secret</a> <span class="meta">{escape(world["c"].name_ja)} · 2025' \
        in adopted
