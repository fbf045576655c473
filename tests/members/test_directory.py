"""The public member directory, profiles and open data."""

import csv
import io
import json
import re

import pytest

from members.models import Affiliation
from tests.factories import AffiliationFactory, InstitutionFactory, UserFactory, WorkingGroupFactory, staff_of
from working_groups.models import Participation

pytestmark = pytest.mark.django_db


def names(response):
    return [i.name_ja for i in response.context["object_list"]]


@pytest.fixture
def tokyo():
    return InstitutionFactory(slug="u-tokyo", name_ja="東京大学", name_en="The University of Tokyo",
                              name_kana="とうきょうだいがく", prefecture="13", kind="national")


def test_directory_search_is_width_case_and_kana_insensitive(client, tokyo):
    InstitutionFactory(name_ja="京都大学", name_en="Kyoto University", name_kana="きょうとだいがく", prefecture="26")
    for q in ["ｔｏｋｙｏ", "Tokyo", "TOKYO", "東京", "トウキョウ", "とうきょう", "ﾄｳｷｮｳ", "university of tokyo"]:
        assert names(client.get("/ja/members/", {"q": q})) == ["東京大学"], q


def test_directory_lists_active_members_only(client, tokyo):
    InstitutionFactory(name_ja="退会大学", status="withdrawn")
    InstitutionFactory(name_ja="停止大学", status="suspended")
    assert names(client.get("/ja/members/")) == ["東京大学"]


def test_directory_sorts_by_reading_in_japanese_and_by_english_name_in_english(client):
    InstitutionFactory(name_ja="和歌山大学", name_en="Wakayama University", name_kana="わかやまだいがく")
    InstitutionFactory(name_ja="愛媛大学", name_en="Ehime University", name_kana="えひめだいがく")
    InstitutionFactory(name_ja="北海道大学", name_en="Hokkaido University", name_kana="ほっかいどうだいがく")
    assert names(client.get("/ja/members/")) == ["愛媛大学", "北海道大学", "和歌山大学"]
    assert [i.name_en for i in client.get("/en/members/").context["object_list"]] == [
        "Ehime University", "Hokkaido University", "Wakayama University"]


def test_directory_filters_combine_and_show_counts(client, tokyo):
    InstitutionFactory(name_ja="一橋大学", prefecture="13", kind="national")
    InstitutionFactory(name_ja="慶應義塾大学", prefecture="13", kind="private")
    InstitutionFactory(name_ja="信州大学", prefecture="20", kind="national", category="participating")
    InstitutionFactory(name_ja="長野県", prefecture="20", kind="local-government", category="cooperating")
    r = client.get("/ja/members/", {"region": "kanto", "kind": "national"})
    assert sorted(names(r)) == ["一橋大学", "東京大学"]
    facets = r.context["facets"]
    # each facet counts what the other filters leave
    assert facets["region"]["kanto"] == 2 and facets["region"]["chubu"] == 1
    assert facets["kind"] == {"national": 2, "private": 1}
    html = r.content.decode()
    assert '<option value="kanto" selected>関東 (2)</option>' in html
    assert '<option value="private">私立大学 (1)</option>' in html
    assert names(client.get("/ja/members/", {"prefecture": "20", "category": "cooperating"})) == ["長野県"]


def test_directory_prefecture_counts_stay_within_the_chosen_region(client, tokyo):
    """With 中部 chosen, 東京都 (関東) has none of the results: its option said (1) all the same."""
    InstitutionFactory(name_ja="信州大学", prefecture="20")
    InstitutionFactory(name_ja="長野県", prefecture="20", kind="local-government")
    InstitutionFactory(name_ja="名古屋大学", prefecture="23")

    html = client.get("/ja/members/", {"region": "chubu"}).content.decode()

    assert '<option value="20">長野県 (2)</option>' in html
    assert '<option value="23">愛知県 (1)</option>' in html
    assert '<option value="13">東京都 (0)</option>' in html
    assert '<option value="chubu" selected>中部 (3)</option>' in html  # the region select keeps every region
    assert '<option value="kanto">関東 (1)</option>' in html


def test_directory_wg_filter_lists_participating_institutions(client, tokyo):
    campus = WorkingGroupFactory(slug="campus", name_ja="ゼロカーボン・キャンパスWG")
    other = InstitutionFactory(name_ja="信州大学")
    Participation.objects.create(group=campus, institution=tokyo, status="active")
    Participation.objects.create(group=campus, institution=other, status="pending")
    r = client.get("/ja/members/", {"wg": "campus"})
    assert names(r) == ["東京大学"]
    assert r.context["facets"]["wg"] == {"campus": 1}


def test_directory_pagination_keeps_the_filters(client):
    kana = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほ"
    for n in range(30):
        InstitutionFactory(prefecture="13", name_kana="とうきょう" + kana[n])
    InstitutionFactory(prefecture="01")
    first = client.get("/ja/members/", {"prefecture": "13"})
    assert first.context["paginator"].count == 30
    assert 'href="?prefecture=13&amp;page=2"' in first.content.decode()
    second = client.get("/ja/members/", {"prefecture": "13", "page": "2"})
    assert len(second.context["object_list"]) == 6
    assert client.get("/ja/members/", {"prefecture": "13", "page": "3"}).status_code == 404


def test_directory_wrong_filter_value_is_explained_not_a_500(client, tokyo):
    r = client.get("/en/members/", {"prefecture": "99", "region": "atlantis"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Select a valid choice. 99 is not one of the available choices." in html
    assert "Select a valid choice. atlantis is not one of the available choices." in html
    ja = client.get("/ja/members/", {"prefecture": "99"}).content.decode()
    assert "正しく選択してください。 99 は候補にありません。" in ja


def test_directory_map_links_every_prefecture_with_counts(client, tokyo):
    InstitutionFactory(prefecture="13")
    InstitutionFactory(prefecture="47")
    html = client.get("/ja/members/", {"kind": "national"}).content.decode()
    links = set(re.findall(r'<a href="\?kind=national&amp;prefecture=(\d\d)"', html))
    assert len(links) == 47
    assert 'aria-label="東京都: 2機関"' in html
    assert 'aria-label="沖縄県: 1機関"' in html
    assert 'aria-label="北海道: 0機関"' in html
    # the text equivalent: a table of the same figures
    assert re.search(r'<th scope="row"><a href="[^"]*prefecture=13">東京都</a></th><td>2</td>', html)


def test_open_data_csv_has_bom_and_all_filtered_rows(client, tokyo):
    for _ in range(30):
        InstitutionFactory(prefecture="13")
    InstitutionFactory(prefecture="01")
    r = client.get("/ja/members/", {"prefecture": "13", "format": "csv"})
    body = b"".join(r.streaming_content)
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 31  # all pages, not just the first
    row = next(r for r in rows if r["slug"] == "u-tokyo")
    assert (row["name_ja"], row["prefecture"], row["region"], row["url"]) == (
        "東京大学", "JP-13", "kanto", "http://testserver/ja/members/u-tokyo/")


def test_open_data_json_honours_filters(client, tokyo):
    InstitutionFactory(prefecture="01", name_ja="北海道大学")
    data = json.loads(client.get("/en/members/", {"q": "tokyo", "format": "json"}).content)
    assert data["count"] == 1
    assert data["results"][0]["name_en"] == "The University of Tokyo"
    assert data["results"][0]["prefecture_name"] == "Tokyo"


def test_profile_shows_facts_in_page_language_with_fallback(client, tokyo):
    tokyo.profile_ja = "東京大学の脱炭素の取組です。"
    tokyo.profile_en = ""
    tokyo.target_year = 2050
    tokyo.save()
    ja = client.get("/ja/members/u-tokyo/").content.decode()
    en = client.get("/en/members/u-tokyo/").content.decode()
    assert "<h1>東京大学</h1>" in ja and "<h1>The University of Tokyo</h1>" in en
    assert "東京大学の脱炭素の取組です。" in en  # no English text yet: the Japanese one
    assert "2050年まで" in ja and "by 2050" in en
    assert "東京都" in ja and "関東" in ja


def test_profile_contacts_only_for_signed_in_staff(client, tokyo):
    contact = staff_of(tokyo, role=Affiliation.Role.CONTACT, email="contact@u-tokyo.example", name="高橋 陽子")
    assert "contact@u-tokyo.example" not in client.get("/ja/members/u-tokyo/").content.decode()
    client.force_login(UserFactory())  # signed in, no affiliation
    assert "contact@u-tokyo.example" not in client.get("/ja/members/u-tokyo/").content.decode()
    client.force_login(staff_of(InstitutionFactory()))
    assert "contact@u-tokyo.example" in client.get("/ja/members/u-tokyo/").content.decode()
    assert contact.name in client.get("/ja/members/u-tokyo/").content.decode()


def _seed(n_institutions, n_groups):
    groups = WorkingGroupFactory.create_batch(n_groups)
    for i in range(n_institutions):
        inst = InstitutionFactory(prefecture=f"{(i % 47) + 1:02d}")
        for g in groups[: 1 + i % n_groups]:
            Participation.objects.create(group=g, institution=inst, status="active")
        AffiliationFactory(institution=inst, role="contact")


@pytest.mark.parametrize("path", ["/ja/members/", "/ja/members/?region=tohoku&kind=national&q=test"])
def test_directory_query_count_does_not_grow_with_members(client, path):
    _seed(3, 1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(path)
    _seed(60, 5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)


def test_profile_query_count_does_not_grow_with_groups_or_people(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    inst = InstitutionFactory(slug="grow")
    viewer = staff_of(InstitutionFactory())
    client.force_login(viewer)
    g = WorkingGroupFactory()
    Participation.objects.create(group=g, institution=inst, status="active")
    staff_of(inst, role="contact")
    with CaptureQueriesContext(connection) as few:
        client.get("/ja/members/grow/")
    for g in WorkingGroupFactory.create_batch(6):
        Participation.objects.create(group=g, institution=inst, status="active")
        g.coordinators.add(inst)
    for _ in range(8):
        staff_of(inst, role="contact")
    with CaptureQueriesContext(connection) as many:
        client.get("/ja/members/grow/")
    assert len(many) == len(few)


def test_directory_count_is_kept_per_filters_and_follows_a_new_participant(client):
    """The count is a cached fragment per filters (members.pagination count_cache): a member that
    joins the group is counted on the next view."""
    group = WorkingGroupFactory(slug="campus")
    for institution in InstitutionFactory.create_batch(2):
        Participation.objects.create(group=group, institution=institution, status="active")
    assert "2 institutions" in client.get("/en/members/?wg=campus&_=1").content.decode()
    Participation.objects.create(group=group, institution=InstitutionFactory(), status="active")
    assert "3 institutions" in client.get("/en/members/?wg=campus&_=2").content.decode()
