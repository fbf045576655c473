"""The three directories and the feed: filters, open data, hostile query strings, and query counts
that do not grow with the data."""

import json
import re
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.cache import NAMESPACES, bump
from working_groups.cooperation.models import Expertise, Need, Partner

from .conftest import make_expertise, make_need

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = ["page=abc", "page=-1", "page=99999999", "q=%00", "q=" + "x" * 3000, "q=%E3%81", "prefecture=99",
           "region=nowhere", "wg=no-such-group", "format=xml", "q=a&q=b", "status=bogus", "kind=%00",
           "year=abc", "institution=nobody", "page=%EF%BC%92"]


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def test_board_shows_open_needs_by_default_and_filters(client, world):
    matched = make_need(title="マッチング済みの課題", themes=[world.group], status=Need.Status.MATCHED)
    anywhere = make_need(title="どこでもよい課題", themes=[world.other_group], prefecture="",
                         help_kind=Need.Help.SPEAKER)
    page = client.get("/ja/needs/").content.decode()
    assert world.published.title in page and anywhere.title in page
    assert matched.title not in page and world.submitted.title not in page
    assert matched.title in client.get("/ja/needs/?status=matched").content.decode()
    assert client.get("/ja/needs/?status=matched").context["paginator"].count == 1
    speaker = client.get("/ja/needs/?kind=speaker").content.decode()
    assert anywhere.title in speaker and world.published.title not in speaker
    # a need anywhere in Japan is in every region and prefecture
    kyushu = client.get("/ja/needs/?region=kyushu-okinawa").content.decode()
    assert anywhere.title in kyushu and world.published.title not in kyushu
    assert world.published.title in client.get("/ja/needs/?prefecture=20&wg=regional").content.decode()
    assert world.published.title in client.get("/ja/needs/?q=炭素吸収").content.decode()
    assert world.published.title not in client.get("/ja/needs/?q=蓄電池").content.decode()


def test_board_facet_counts(client, world):
    make_need(title="二件目", themes=[world.group], status=Need.Status.CLOSED)
    facets = client.get("/ja/needs/").context["facets"]
    assert facets["wg"] == {"regional": 1}
    assert facets["status"] == {"published": 1, "closed": 1}
    assert facets["region"]["chubu"] == 1


def test_board_facets_and_map_cached_per_filters_until_a_need_changes(client, world):
    """The board's six counts and its map are computed once per language and filters: the next
    visitor choosing the same filters (on any page, with a parameter the board does not know) runs
    no grouped count; a need published since shows in the counts and on the map at once."""
    client.get("/ja/needs/?wg=regional")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/ja/needs/?wg=regional&page=1&_=x").content.decode()
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert 'href="?wg=regional&amp;prefecture=20"' in page  # the tile keeps the board's filters only
    assert "_=x" not in page.split('<svg class="japan-map"')[1].split("</svg>")[0]
    make_need(title="二件目の地域課題", themes=[world.group], prefecture="40")
    response = client.get("/ja/needs/?wg=regional")
    assert response.context["facets"]["wg"] == {"regional": 2}
    assert response.context["facets"]["prefecture"] == {"20": 1, "40": 1}
    assert "福岡県" in response.content.decode().split('<svg class="japan-map"')[1]
    # the English board has its own map
    assert "Fukuoka" in client.get("/en/needs/?wg=regional").content.decode().split('<svg class="japan-map"')[1]


def test_open_data_of_each_directory(client, world):
    rows = json.loads(client.get("/ja/needs/?format=json").content)["results"]
    assert [r["title"] for r in rows] == [world.published.title]
    assert rows[0]["partner_slug"] == "midorino" and rows[0]["themes"] == "regional"
    csv = body(client.get("/ja/partners/?format=csv"))
    assert csv.startswith("\ufeffslug,kind,name_ja") and "midorino,municipality,みどり野市" in csv
    expertise = json.loads(client.get("/ja/expertise/?format=json").content)["results"]
    assert [e["title"] for e in expertise] == [world.expertise.title]  # members-only left out for visitors


def test_csv_cells_that_look_like_formulas_are_quoted(client, world):
    Partner.objects.create(slug="evil", kind="company", name_ja="=HYPERLINK(\"x\")", prefecture="13")
    assert "'=HYPERLINK" in body(client.get("/ja/partners/?format=csv"))


def test_feed_lists_published_needs(client, world):
    response = client.get("/ja/needs/feed/")
    root = ElementTree.fromstring(response.content)
    titles = [e.find(ATOM + "title").text for e in root.findall(ATOM + "entry")]
    assert titles == [world.published.title]
    assert "official@town.example.jp" not in response.content.decode()


def test_needs_feed_links_the_sites_address_and_keeps_its_ids_on_any_host(client, world, settings):
    """As the initiatives and news feeds: a reader fetching through another host name (a proxy, the
    old address) gets the same links and ids, one id per language version."""
    settings.SITE_URL = "https://uccn.example.jp"
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    seen = {}
    for host in ("testserver", "127.0.0.1"):
        for lang in ("ja", "en"):
            root = ElementTree.fromstring(client.get(f"/{lang}/needs/feed/", HTTP_HOST=host).content)
            entry = root.find(ATOM + "entry")
            assert entry.find(ATOM + "link").get("href") == \
                f"https://uccn.example.jp/{lang}/needs/{world.published.pk}/"
            assert [a.get("href") for a in root.findall(ATOM + "link") if a.get("rel") == "self"] == \
                [f"https://uccn.example.jp/{lang}/needs/feed/"]
            seen.setdefault(lang, set()).add((root.find(ATOM + "id").text, entry.find(ATOM + "id").text))
    assert len(seen["ja"]) == len(seen["en"]) == 1 and seen["ja"] != seen["en"]
    assert all(i.startswith("urn:uuid:") for pair in seen["ja"] | seen["en"] for i in pair)


@pytest.mark.parametrize("path", ["/ja/partners/", "/ja/needs/", "/ja/expertise/"])
@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_strings_never_fail(client, world, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code in (200, 400, 404)


def test_partner_page_shows_initiatives_by_institution_and_needs(client, world):
    from tests.working_groups.test_permissions import make_initiative

    initiative = make_initiative(institution=world.a, author=world.users["staff_a"], slug="satoyama-a",
                                 title="里山の整備", body="本文", themes=[world.group])
    members_only = make_initiative(institution=world.a, author=world.users["staff_a"], slug="hidden-a",
                                   title="会員限定の取組", body="本文", themes=[world.group], visibility="members")
    world.partner.initiatives.set([initiative, members_only])
    page = client.get("/ja/partners/midorino/").content.decode()
    assert "里山の整備" in page and "甲大学" in page and world.published.title in page
    assert "会員限定の取組" not in page
    client.force_login(world.users["staff_b"])
    assert "会員限定の取組" in client.get("/ja/partners/midorino/").content.decode()


def _more_data(world, n):
    for i in range(n):
        partner = Partner.objects.create(slug=f"p{i}", kind="company", name_ja=f"会社{i}", prefecture="13")
        # every other row written in English with a Japanese translation: the exports' columns in both
        # languages come from the row itself
        english = {"language": "en", "title_translated": f"訳{i}"} if i % 2 else {}
        make_need(title=f"Need {i}" if english else f"課題{i}", themes=[world.group, world.other_group],
                  partner=partner, **english)
        make_expertise(institution=world.b, author=world.users["staff_b"],
                       title=f"Expertise {i}" if english else f"シーズ{i}",
                       themes=[world.group, world.other_group], keywords="森林", **english)


def _count(client, path) -> int:
    """The queries of one request, its cached fragments (board counts, suggestions) computed afresh."""
    bump(*NAMESPACES)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", [None, "staff_a"])
def test_query_counts_do_not_grow_with_the_data(client, world, who):
    if who:
        client.force_login(world.users[who])
    paths = ["/ja/partners/", "/ja/needs/", "/ja/expertise/", "/ja/needs/?q=森林", "/ja/expertise/?q=森林",
             f"/ja/needs/{world.published.pk}/",
             "/ja/expertise/?prefecture=20", "/ja/partners/midorino/", "/ja/needs/feed/",
             *(f"/ja/{page}/?format={fmt}" for page in ("partners", "needs", "expertise") for fmt in ("csv", "json"))]
    for path in paths:
        _count(client, path)  # warm the session and the site's caches
    before = {path: _count(client, path) for path in paths}
    _more_data(world, 25)
    after = {path: _count(client, path) for path in paths}
    assert after == before
    assert max(after.values()) <= 25


def test_expertise_filters(client, world):
    nationwide = make_expertise(institution=world.b, author=world.users["staff_b"], title="全国対応のシーズ",
                                themes=[world.other_group], prefectures=(), nationwide=True)
    kyushu = make_expertise(institution=world.b, author=world.users["staff_b"], title="九州のシーズ",
                            themes=[world.other_group], prefectures=("40",))
    page = client.get("/ja/expertise/?prefecture=20").content.decode()
    assert world.expertise.title in page and nationwide.title in page and kyushu.title not in page
    assert kyushu.title in client.get("/ja/expertise/?region=kyushu-okinawa").content.decode()
    assert client.get("/ja/expertise/?institution=univ-b").context["paginator"].count == 2
    assert world.members_only.title not in client.get("/ja/expertise/").content.decode()
    client.force_login(world.users["staff_b"])
    assert world.members_only.title in client.get("/ja/expertise/").content.decode()
    assert Expertise.objects.count() == 4


def test_expertise_institution_filter_offers_those_with_most_entries_and_the_one_chosen(client, world, monkeypatch):
    """The institution filter lists the institutions with the most entries among the results (each
    with its count), not every member (15,000 at the large scale: 0.7 s to render a select no one
    can use); the institution chosen stays selected, even outside them."""
    from tests.factories import InstitutionFactory, staff_of
    from working_groups.cooperation.views import directories

    monkeypatch.setattr(directories, "TOP_INSTITUTIONS", 2)
    others = [InstitutionFactory(name_ja=f"シーズ大学{n}", slug=f"seeds-{n}") for n in range(3)]
    for n, institution in enumerate(others):
        author = staff_of(institution)
        for i in range(n + 2):
            make_expertise(institution=institution, author=author, title=f"シーズ{n}-{i}", themes=[world.group])

    def institution_select(path):
        page = client.get(path).content.decode()
        start = page.index('id="id_institution"')
        return page[start:page.index("</select>", start)]

    select = institution_select("/ja/expertise/")
    assert "シーズ大学2 (4)" in select and "シーズ大学1 (3)" in select  # the two with the most
    assert "シーズ大学0" not in select and world.b.name_ja not in select
    chosen = institution_select("/ja/expertise/?institution=seeds-0")
    assert '<option value="seeds-0" selected>シーズ大学0</option>' in chosen


@pytest.mark.parametrize("page", ["needs", "expertise"])
def test_an_unknown_theme_is_looked_up_once_and_reported(client, world, page):
    """A theme slug that matches nothing (an old bookmark) is one failed lookup for the page, not one
    per facet count, and the visitor is told, with nothing filtered away silently."""
    client.get(f"/ja/{page}/?wg=no-such-theme")  # warm the session and the caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/ja/{page}/?wg=no-such-theme")
    lookups = [q["sql"] for q in ctx.captured_queries if "no-such-theme" in q["sql"]]
    assert len(lookups) == 1, lookups
    assert "そのワーキンググループはありません。一覧から選んでください。" in response.content.decode()


def test_an_unknown_institution_on_the_expertise_list_is_said_in_the_portals_words(client, world):
    page = client.get("/en/expertise/?institution=no-such-univ").content.decode()
    assert "There is no such institution: choose one from the list." in page


def test_need_cards_escape_every_text_a_submitter_or_editor_wrote(client, world):
    """The cards are built in Python (working_groups/templatetags/need_tags.py): the title, the
    partner's name and a theme's name are escaped on the board, a partner's page and the home page."""
    from tests.factories import WorkingGroupFactory

    evil = '<script>alert("t")</script>&<img src=x onerror=alert(1)>'
    partner = Partner.objects.create(slug="evil-town", kind=Partner.Kind.MUNICIPALITY, name_ja=evil, name_en=evil,
                                     prefecture="13")
    theme = WorkingGroupFactory(slug="evil-theme", name_ja=evil, name_en=evil)
    need = make_need(title=evil, themes=[theme], partner=partner, prefecture="")
    for path in ("/ja/needs/?q=alert", "/en/needs/", f"/ja/partners/{partner.slug}/", "/ja/"):
        page = body(client.get(path))
        assert f'href="/{path[1:3]}/needs/{need.pk}/"' in page, path
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;&amp;&lt;img src=x onerror=alert(1)&gt;" in page, path
    assert "Anywhere in Japan" in body(client.get("/en/needs/"))


def test_list_counts_are_kept_per_audience_and_filters_and_follow_new_rows(client, world):
    """The board's and the expertise directory's counts are cached fragments (members.pagination
    count_cache): members-only entries are counted for staff and never for a visitor, and a newly
    published need is counted on the next view."""
    def count(path):
        return int(re.search(r'id="results-title"[^>]*>(\d+) result', body(client.get(path))).group(1))

    visitor_count = count("/en/expertise/?_=1")
    client.force_login(world.users["staff_a"])
    assert count("/en/expertise/?_=2") == visitor_count + 1  # the members-only entry
    client.logout()
    assert count("/en/expertise/?_=3") == visitor_count
    board = count("/en/needs/?wg=regional&_=1")
    make_need(title="新しく公開された課題", themes=[world.group])
    assert count("/en/needs/?wg=regional&_=2") == board + 1
