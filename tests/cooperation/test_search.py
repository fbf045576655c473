"""The needs board, expertise and partners search every length of Japanese word through one probe
of the gram index per page (members.search ``shared_gram_search``): the list and its facet counts
find exactly the rows whose text holds the word, for words of one, two and more characters."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.i18n import fold
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory
from working_groups.cooperation.models import Need, Partner

from .conftest import make_expertise, make_need

pytestmark = pytest.mark.django_db

TITLES = ["森林の炭素吸収量の調査", "水素ステーションの設計", "水と素材の循環", "太陽光発電の導入支援",
          "地域の森づくり", "省エネ診断", "木質バイオマスボイラー", "バイオマス発電の相談"]


@pytest.fixture
def board():
    energy = WorkingGroupFactory(slug="energy")
    needs = [make_need(title=f"{t}（{n}）", themes=[energy], description=f"{t}についての説明。")
             for n, t in enumerate(TITLES * 3)]
    return energy, needs


def _board_ids(client, q) -> set[int]:
    response = client.get("/ja/needs/", {"q": q, "status": "all"})
    assert response.status_code == 200
    return {n.pk for n in response.context["page_obj"].object_list}


@pytest.mark.postgres
@pytest.mark.parametrize("term", ["森", "水", "ス", "水素", "森林", "素材", "の調", "バイオマス", "太陽光発電",
                                  "炭素吸収量", "設計", "無い言葉", "ネ診"])
def test_board_finds_every_need_holding_a_word_of_any_length(client, board, term):
    """The page lists exactly the needs whose text holds the word (20 a page: all of them fit)."""
    _energy, needs = board
    expected = {n.pk for n in needs if fold(term) in fold(f"{n.title} {n.description}")}
    assert _board_ids(client, term) == expected
    # the facet counts count the same needs
    response = client.get("/ja/needs/", {"q": term, "status": "all"})
    assert sum(response.context["facets"]["status"].values()) == len(expected)


@pytest.mark.postgres
def test_board_search_agrees_with_a_substring_test_for_random_terms(client, board):
    """Terms of 1 to 6 characters cut at random from the needs' texts (as bench/pages.py draws them)."""
    _energy, needs = board
    rng = random.Random(7)
    texts = [f"{n.title} {n.description}" for n in needs]
    for _ in range(25):
        text = rng.choice(texts)
        length = rng.randint(1, 6)
        start = rng.randrange(0, max(1, len(text) - length))
        term = text[start:start + length].strip() or "森"
        expected = {n.pk for n, t in zip(needs, texts, strict=True) if all(w in fold(t) for w in fold(term).split())}
        response = client.get("/ja/needs/", {"q": term, "status": "all"})
        shown = {n.pk for n in response.context["page_obj"].object_list}
        assert sum(response.context["facets"]["status"].values()) == len(expected), term
        assert shown == expected if len(expected) <= 20 else (shown < expected and len(shown) == 20), term


@pytest.mark.postgres
def test_the_board_probes_the_gram_index_once_for_its_list_and_facets(client, board):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/ja/needs/", {"q": "水素", "_": "1"}).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("search_gram_matches" in s for s in sql) == 1
    assert not any("search_grams_tsv" in s and "search_gram_matches" not in s for s in sql), \
        "a query tested the grams row by row"


@pytest.mark.postgres
def test_expertise_and_partners_search_through_the_probe(client):
    energy = WorkingGroupFactory(slug="energy")
    beta = InstitutionFactory(slug="beta")
    author = UserFactory()
    found = make_expertise(institution=beta, author=author, title="森林の炭素吸収量モニタリング", themes=[energy])
    make_expertise(institution=beta, author=author, title="蓄電池の評価", themes=[energy])
    Partner.objects.create(slug="midorino", kind=Partner.Kind.MUNICIPALITY, name_ja="みどり野市", name_en="Midorino")
    Partner.objects.create(slug="aozora", kind=Partner.Kind.COMPANY, name_ja="あおぞら電力", name_en="Aozora Power")
    for path, term, expected in (("/ja/expertise/", "森", {found.pk}), ("/ja/partners/", "野", {"midorino"})):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, {"q": term})
        assert response.status_code == 200
        shown = {getattr(o, "slug", None) or o.pk for o in response.context["page_obj"].object_list}
        assert shown == expected
        assert sum("search_gram_matches" in q["sql"] for q in queries.captured_queries) == 1, path


def test_a_need_listed_later_is_found(client, board):
    """A need published after the first search is found by the next one (nothing is kept between
    requests: the probe's ids live in the page's own memo)."""
    energy, _needs = board
    assert _board_ids(client, "潮力") == set()
    need = make_need(title="潮力発電の可能性", themes=[energy])
    assert _board_ids(client, "潮力") == {need.pk}
    assert Need.objects.filter(pk=need.pk).exists()


@pytest.mark.postgres
def test_a_common_word_is_walked_by_its_text_and_counted_by_its_grams(client, board, monkeypatch):
    """Words in more rows than the probe's cap: the list walks the board newest first testing each
    row's text (strpos: the row's own column), not its grams (a compressed tsvector read from
    TOAST: 2-3 times slower at the large scale); the facet counts' matches are read through the
    gram index (cooperation/board.py counts them). Both find exactly the needs holding the word."""
    from members import search

    monkeypatch.setattr(search, "PROBE_CAP", 2)  # 水 is in 9 of the 24 needs: common here
    _energy, needs = board
    expected = {n.pk for n in needs if "水" in fold(n.title)}
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ja/needs/", {"q": "水", "status": "all", "_": "common"})
    assert {n.pk for n in response.context["page_obj"].object_list} == expected
    assert sum(response.context["facets"]["status"].values()) == len(expected)
    listing = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]
               and '"cooperation_need"."title"' in q["sql"]]
    matches = [q["sql"] for q in queries.captured_queries if q["sql"] not in listing and "search_grams_tsv" in q["sql"]
               and '"cooperation_need"."id"' in q["sql"] and "LIMIT" not in q["sql"]]
    assert listing and all("STRPOS" in s and "search_grams_tsv" not in s for s in listing), listing
    assert matches and not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]], matches
