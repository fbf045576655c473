"""The site's search (/search/): every kind found and counted, what each role may see, the matches
highlighted and escaped, bad input refused, in both languages."""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.search import COUNT_CAP
from meetings.dissemination.models import NewsItem
from meetings.models import Meeting
from members.models import Institution
from members.search import highlight, search_words
from tests.cooperation.conftest import make_expertise, make_need
from tests.dissemination.conftest import make_item
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    UserFactory,
    WorkingGroupFactory,
    secretariat_user,
    staff_of,
)
from tests.working_groups.test_permissions import make_initiative
from working_groups.cooperation.models import Expertise, Need, Partner
from working_groups.models import Initiative

pytestmark = pytest.mark.django_db

WORD = "水素"  # every object of the world below mentions it, so that each kind has hits


@dataclass
class World:
    inst: Institution
    public_initiative: Initiative
    members_initiative: Initiative
    draft_initiative: Initiative
    public_meeting: Meeting
    members_meeting: Meeting
    news: NewsItem
    draft_news: NewsItem
    need: Need
    submitted_need: Need
    partner: Partner
    expertise: Expertise
    members_expertise: Expertise


@pytest.fixture
def world():
    inst = InstitutionFactory(name_ja="水素大学", name_en="Hydrogen University", name_kana="すいそだいがく",
                              slug="hydrogen-u")
    author = staff_of(inst)
    group = WorkingGroupFactory(slug="energy", name_ja="エネルギーWG", name_en="Energy WG")
    kw = {"institution": inst, "author": author, "body": "本文", "themes": [group]}
    public_initiative = make_initiative(slug="h2-bus", title="水素バスの運行", **kw)
    members_initiative = make_initiative(slug="h2-secret", title="水素の会員限定計画",
                                         visibility=Initiative.Visibility.MEMBERS, **kw)
    draft_initiative = make_initiative(slug="h2-draft", title="水素の下書き", status=Initiative.Status.DRAFT, **kw)
    public_meeting = MeetingFactory(group=group, title_ja="水素シンポジウム", title_en="Hydrogen symposium",
                                    visibility="public")
    members_meeting = MeetingFactory(group=group, title_ja="水素会員会合", title_en="Hydrogen members' meeting",
                                     visibility="members")
    secretariat = secretariat_user(email="desk@coalition.example.org")
    fields = {"kind": "news", "summary_ja": "概要", "body_ja": "本文"}
    news = make_item(by=secretariat, title_ja="水素の新しいお知らせ", title_en="Hydrogen news", **fields)
    draft_news = make_item(by=secretariat, title_ja="水素の下書きお知らせ", publish=False, **fields)
    partner = Partner.objects.create(slug="h2-town", kind=Partner.Kind.MUNICIPALITY, name_ja="水素町",
                                     name_en="Hydrogen Town", prefecture="20")
    need = make_need(title="水素ステーションの共同研究", themes=[group], partner=partner)
    submitted_need = make_need(title="水素の審査待ち", themes=[group], status=Need.Status.SUBMITTED)
    expertise = make_expertise(institution=inst, author=author, title="水素貯蔵の研究", themes=[group])
    members_expertise = make_expertise(institution=inst, author=author, title="水素の会員限定研究", themes=[group],
                                       visibility=Expertise.Visibility.MEMBERS)
    return World(inst, public_initiative, members_initiative, draft_initiative, public_meeting, members_meeting,
                 news, draft_news, need, submitted_need, partner, expertise, members_expertise)


def tabs(response) -> dict[str, str]:
    """The tabs as the page shows them: kind (from the link) -> the count shown."""
    html = response.content.decode()
    nav = html.split('class="search-tabs"', 1)[1].split("</nav>", 1)[0]
    return dict(re.findall(r'kind=(\w+)"[^>]*>[^<]*<span class="tab-count">([^<]+)</span>', nav))


def titles(response) -> list[str]:
    """The results' titles, without their <mark> tags."""
    html = response.content.decode()
    return [re.sub(r"</?mark>", "", t) for t in re.findall(r'<li class="search-result[^"]*">\s*<h3><a [^>]*>(.*?)</a>',
                                                              html, re.S)]


def test_each_kind_is_found_and_counted_for_a_visitor(client, world):
    response = client.get("/ja/search/", {"q": WORD})
    assert response.status_code == 200
    # members-only initiatives, meetings and expertise, drafts and the need waiting for review are not counted
    assert tabs(response) == {"members": "1", "initiatives": "1", "meetings": "1", "news": "1", "needs": "1",
                              "partners": "1", "expertise": "1"}
    assert titles(response) == ["水素大学"]  # the first tab with hits is open
    expected = {
        "initiatives": ["水素バスの運行"], "meetings": ["水素シンポジウム"], "news": ["水素の新しいお知らせ"],
        "needs": ["水素ステーションの共同研究"], "partners": ["水素町"], "expertise": ["水素貯蔵の研究"],
    }
    for kind, found in expected.items():
        assert titles(client.get("/ja/search/", {"q": WORD, "kind": kind})) == found, kind


def test_staff_find_members_only_content_but_never_drafts(client, world):
    client.force_login(staff_of(InstitutionFactory()))
    assert tabs(client.get("/ja/search/", {"q": WORD})) == {
        "members": "1", "initiatives": "2", "meetings": "2", "news": "1", "needs": "1", "partners": "1",
        "expertise": "2"}
    found = titles(client.get("/ja/search/", {"q": WORD, "kind": "initiatives"}))
    assert found == ["水素の会員限定計画", "水素バスの運行"]
    assert titles(client.get("/ja/search/", {"q": WORD, "kind": "news"})) == ["水素の新しいお知らせ"]


def test_the_secretariat_does_not_find_drafts_or_unpublished_needs(client, world):
    client.force_login(secretariat_user(email="other-desk@coalition.example.org"))
    response = client.get("/ja/search/", {"q": "下書き"})
    assert tabs(response)["initiatives"] == "0" and tabs(response)["news"] == "0"
    assert tabs(client.get("/ja/search/", {"q": "審査待ち"}))["needs"] == "0"
    assert "水素の下書き" not in client.get("/ja/search/", {"q": "下書き", "kind": "initiatives"}).content.decode()


def test_a_signed_in_user_without_affiliation_sees_what_a_visitor_sees(client, world):
    client.force_login(UserFactory())
    response = client.get("/ja/search/", {"q": "会員限定"})
    assert set(tabs(response).values()) == {"0"}
    assert "「会員限定」に一致するものはサイト内にありません。" in response.content.decode()


@pytest.mark.parametrize("q", ["水", "素", "水素", "すいそ", "スイソ", "ＨＹＤＲＯＧＥＮ", "hydrogen univ"])
def test_short_japanese_words_kana_and_width_find_the_institution(client, world, q):
    assert titles(client.get("/ja/search/", {"q": q, "kind": "members"})) == ["水素大学"]


def test_a_word_of_another_kind_opens_the_first_tab_with_hits(client, world):
    response = client.get("/ja/search/", {"q": "シンポジウム"})
    assert titles(response) == ["水素シンポジウム"]
    assert 'kind=meetings" aria-current="page"' in response.content.decode()


def test_the_query_is_repeated_in_the_boxes_and_the_title(client, world):
    html = client.get("/en/search/", {"q": "hydrogen"}).content.decode()
    assert "<title>Search: “hydrogen” | " in html
    assert "<h1>Search results for “hydrogen”</h1>" in html
    assert 'id="site-search-q" name="q" value="hydrogen"' in html  # the header's box
    assert re.search(r'<input type="search" name="q" value="hydrogen"[^>]*id="id_q"', html)  # the page's box


def test_matches_are_highlighted_and_text_is_escaped(client, world):
    world.inst.name_ja = '<script>alert("x")</script>水素\'大学'
    world.inst.save()
    html = client.get("/ja/search/", {"q": '水素 "<b>'}).content.decode()
    # the query itself: escaped in the title, the heading and both boxes
    assert "<b>" not in html and "&lt;b&gt;" in html
    html = client.get("/ja/search/", {"q": "水素 script", "kind": "members"}).content.decode()
    assert "<script>alert" not in html
    assert ('&lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt;<mark>水素</mark>&#x27;大学'
            in html)


def test_highlight_marks_folded_matches_in_the_text_as_written():
    assert highlight("ＴＯＫＹＯ トウキョウ 東京", search_words("tokyo とうきょう")) == (
        "<mark>ＴＯＫＹＯ</mark> <mark>トウキョウ</mark> 東京")
    long = "あ" * 300 + "水素" + "い" * 300
    cut = highlight(long, ["水素"], length=100)
    assert cut.startswith("…") and cut.endswith("…") and "<mark>水素</mark>" in cut
    assert len(re.sub(r"</?mark>", "", cut)) == 102


def test_an_empty_query_explains_how_to_search(client, world):
    for q in ("", "   "):
        html = client.get("/ja/search/", {"q": q}).content.decode()
        assert "<h1>サイト内検索</h1>" in html
        assert "1文字や2文字の日本語" in html
        assert "search-tabs" not in html and "search-result" not in html


def test_an_over_long_query_is_an_error_and_lists_nothing(client, world):
    html = client.get("/ja/search/", {"q": "水素" + "あ" * 99}).content.decode()
    assert "検索語は100文字以内で入力してください（101文字あります）。" in html
    assert 'id="error-summary"' in html
    assert "search-result" not in html and "search-tabs" not in html
    html = client.get("/en/search/", {"q": "hydrogen" + "x" * 93}).content.decode()
    assert "A search can be at most 100 characters long (it has 101)." in html


def test_an_unknown_kind_is_an_error(client, world):
    html = client.get("/ja/search/", {"q": WORD, "kind": "people"}).content.decode()
    assert "そのような種類の検索結果はありません" in html
    assert "search-result" not in html
    html = client.get("/en/search/", {"q": WORD, "kind": "people"}).content.decode()
    assert "There is no such kind of result: choose one of the tabs" in html


def test_nothing_found_says_so_in_both_languages(client, world):
    html = client.get("/ja/search/", {"q": "存在しない語句"}).content.decode()
    assert "「存在しない語句」に一致するものはサイト内にありません。" in html
    assert "該当する会員機関はありません。" in html
    html = client.get("/en/search/", {"q": "nonexistent"}).content.decode()
    assert "Nothing on the site matches “nonexistent”." in html
    assert "No member institution matches this search." in html


def test_english_page_labels_and_english_titles(client, world):
    html = client.get("/en/search/", {"q": "hydrogen", "kind": "meetings"}).content.decode()
    assert titles_of(html) == ["<mark>Hydrogen</mark> symposium"]
    assert ">Meetings <span class=\"tab-count\">1</span>" in html


def titles_of(html):
    return re.findall(r'<li class="search-result[^"]*">\s*<h3><a [^>]*>(.*?)</a>', html, re.S)


def test_each_kind_is_paginated(client, world):
    for n in range(22):
        Partner.objects.create(slug=f"town-{n}", kind=Partner.Kind.MUNICIPALITY, name_ja=f"水素市{n:02}")
    first = client.get("/ja/search/", {"q": WORD, "kind": "partners"})
    assert len(titles(first)) == 20 and tabs(first)["partners"] == "23"
    second = client.get("/ja/search/", {"q": WORD, "kind": "partners", "page": "2"})
    assert len(titles(second)) == 3
    assert '<a href="?q=%E6%B0%B4%E7%B4%A0&amp;kind=partners&amp;page=2" rel="next">' in first.content.decode()
    assert client.get("/ja/search/", {"q": WORD, "kind": "partners", "page": "9"}).status_code == 404


def test_counts_past_the_cap_say_so(client, world, settings):
    Partner.objects.bulk_create([Partner(slug=f"t-{n}", kind=Partner.Kind.MUNICIPALITY, name_ja=f"水素村{n}",
                                         search_text=f"水素村{n}") for n in range(COUNT_CAP + 1)])
    assert tabs(client.get("/ja/search/", {"q": WORD}))["partners"] == f"{COUNT_CAP}+"


def test_the_page_takes_one_query_for_every_count(client, world):
    """The seven counts are one query on PostgreSQL (a UNION ALL of capped id lists)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite counts kind by kind")
    with CaptureQueriesContext(connection) as queries:
        client.get("/ja/search/", {"q": WORD, "kind": "partners"})
    assert sum("UNION ALL" in q["sql"] for q in queries.captured_queries) == 1
    assert len(queries.captured_queries) <= 4


def many_initiatives(world, n, title, **kw):
    group = world.public_initiative.themes.get()
    return [make_initiative(institution=world.inst, author=world.public_initiative.author, slug=f"{title}-{i}",
                            title=f"{title}の取組{i}", body="本文", themes=[group], **kw) for i in range(n)]


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the gram index and its probe are PostgreSQL's")


def test_the_gram_probe_runs_once_for_the_counts_and_the_page(client, world):
    """The initiatives' probe of the gram index is one query a page, shared by the count and the
    open tab (it ran twice: once for each)."""
    postgresql_only()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ja/search/", {"q": WORD, "kind": "initiatives"})
    assert titles(response) == ["水素バスの運行"]
    assert sum("search_probe" in q["sql"] for q in queries.captured_queries) == 1


@pytest.mark.parametrize("q, expected", [
    # rare: in one initiative and nothing else
    ("蓄電", {"initiatives": 1}),
    # absent: two characters no text holds
    ("ゑゐ", {}),
    # common at this scale: every kind has it (five initiatives are drafts or members-only; the
    # battery one names its institution, 水素大学)
    ("水素", {"members": 1, "initiatives": 2, "meetings": 1, "news": 1, "needs": 1, "partners": 1, "expertise": 1}),
])
def test_two_character_terms_are_counted_right_for_every_kind(client, world, q, expected):
    many_initiatives(world, 3, "水素下書き", status=Initiative.Status.DRAFT)
    make_initiative(institution=world.inst, author=world.public_initiative.author, slug="battery", title="蓄電池の導入",
                    body="本文", themes=[world.public_initiative.themes.get()])
    shown = tabs(client.get("/ja/search/", {"q": q}))
    assert shown == {kind: str(expected.get(kind, 0)) for kind in shown}


def test_a_common_word_is_counted_among_the_probes_ids_and_beyond_them(client, world, monkeypatch):
    """A word the gram index finds in more rows than the probe's cap (here 5) is counted among the
    ids the probe gave first and then in the rest of the table: drafts and members-only initiatives
    among those ids are not counted for a visitor, and the public ones beyond them are."""
    postgresql_only()
    import members.search

    monkeypatch.setattr(members.search, "PROBE_CAP", 5)
    many_initiatives(world, 8, "水素下書き", status=Initiative.Status.DRAFT)
    many_initiatives(world, 4, "水素公開")
    assert tabs(client.get("/ja/search/", {"q": WORD}))["initiatives"] == "5"  # 4 + the world's public one
    staff = staff_of(world.inst)
    client.force_login(staff)
    assert tabs(client.get("/ja/search/", {"q": WORD}))["initiatives"] == "6"  # and the members-only one
    client.logout()
    monkeypatch.setattr("coalition.search.COUNT_CAP", 3)  # past the cap: cap + 1, the tab says "3+"
    from coalition.search import find, hit_counts

    assert hit_counts(find(staff, WORD))["initiatives"] == 4
    assert hit_counts(find(staff, "水素公開"))["initiatives"] == 4
    assert hit_counts(find(staff, "水素公開の取組3"))["initiatives"] == 1


def test_meetings_keep_their_search_text_in_step(world):
    meeting = world.public_meeting
    meeting.title_en = "Fuel cells day"
    meeting.save(update_fields=["title_en"])
    assert Meeting.objects.search("fuel").get() == meeting
    assert not Meeting.objects.search("hydrogen symposium").exists()


def test_the_header_box_is_on_every_page(client, world):
    html = client.get("/en/").content.decode()
    assert ('<form class="site-search" method="get" action="/en/search/" role="search" aria-label="Search the site">'
            in html)
    assert '<label for="site-search-q" class="visually-hidden">Search the site</label>' in html


def test_a_past_start_is_shown_in_japan_time(client, world):
    world.public_meeting.starts_at = timezone.now() - datetime.timedelta(days=3)
    world.public_meeting.ends_at = world.public_meeting.starts_at + datetime.timedelta(hours=2)
    world.public_meeting.save()
    html = client.get("/ja/search/", {"q": WORD, "kind": "meetings"}).content.decode()
    assert "JST" in html
