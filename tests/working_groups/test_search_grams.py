"""Search by words of every length: one and two Japanese characters (水, 水素) as well as longer
words, Latin, kana and full-width text, through the gram index on PostgreSQL (members/search.py)."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.i18n import fold
from members.models import Institution
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory
from working_groups.models import Initiative

from .test_initiatives import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def campus():
    return WorkingGroupFactory(slug="campus")


@pytest.fixture
def shinshu():
    return InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University", prefecture="20")


@pytest.fixture
def library(campus, shinshu):
    """Initiatives whose words overlap: a two-character word inside longer ones, and apart."""
    make(shinshu, campus, title="水素ステーションの実証", body="燃料電池バスに水素を供給。Hydrogen station.")
    make(shinshu, campus, title="太陽光発電の導入", body="屋根に太陽光パネル。ZEB化を進める。")
    make(shinshu, campus, title="太陽熱の利用", body="給湯に太陽の熱を使う。")
    make(shinshu, campus, title="図書館の省エネ", body="LED照明と空調の更新。")
    make(shinshu, campus, title="里山の保全", body="水と素材の循環。")  # 水 and 素, never 水素
    return None


def titles(client, q, **params):
    response = client.get("/ja/initiatives/", {"q": q, **params})
    return sorted(i.title for i in response.context["object_list"])


@pytest.mark.parametrize(("q", "expected"), [
    # one character: every initiative holding it anywhere
    ("水", ["水素ステーションの実証", "里山の保全"]),
    ("熱", ["太陽熱の利用"]),
    # two characters: only where the two are adjacent, in this order
    ("水素", ["水素ステーションの実証"]),
    ("素水", []),
    ("太陽", ["太陽光発電の導入", "太陽熱の利用"]),
    ("脱炭", []),
    # three and more
    ("太陽光", ["太陽光発電の導入"]),
    ("太陽光発電", ["太陽光発電の導入"]),
    ("図書館", ["図書館の省エネ"]),
    ("ステーション", ["水素ステーションの実証"]),
    ("すてーしょん", ["水素ステーションの実証"]),  # hiragana finds katakana
    ("ｽﾃｰｼｮﾝ", ["水素ステーションの実証"]),  # half-width kana
])
def test_search_finds_words_of_one_two_and_more_characters(client, library, q, expected):
    assert titles(client, q) == expected


@pytest.mark.parametrize(("q", "expected"), [
    ("zeb", ["太陽光発電の導入"]),
    ("ＺＥＢ 太陽", ["太陽光発電の導入"]),  # full-width Latin and a two-character word together
    ("hydrogen 水素", ["水素ステーションの実証"]),
    ("led 水", []),  # every word must be there
    ("g", ["水素ステーションの実証"]),  # one Latin letter: only in Hydrogen
    ("信州 太陽", ["太陽光発電の導入", "太陽熱の利用"]),  # the institution's name is searched too
])
def test_search_mixes_japanese_and_english_words(client, library, q, expected):
    assert titles(client, q) == expected


def test_search_words_with_quotes_and_backslashes_are_plain_text(client, campus, shinshu):
    make(shinshu, campus, title="O'Brien & C:\\data", body="a|b !x")
    make(shinshu, campus, title="別の取組", body="本文")
    for q in ("o'brien", "'", "c:\\d", "\\", "&", "a|b", "!x", "|"):
        assert titles(client, q) == ["O'Brien & C:\\data"], q


def test_search_finds_every_document_holding_the_term(campus, shinshu):
    """Against the definition (the folded term is a substring of the folded text), over a corpus of
    a few characters in every width and script, for every term of one and two characters and for
    longer ones cut from the texts."""
    rng = random.Random(23)
    alphabet = list("水素太陽光電力地域あいアイｱｲＡBc1１・")
    texts = ["".join(rng.choice(alphabet + [" "]) for _ in range(rng.randint(1, 30))) for _ in range(40)]
    for n, text in enumerate(texts):
        make(shinshu, campus, title=f"t{n}", body=text)
    stored = dict(Initiative.objects.values_list("title", "search_text"))
    terms = set(alphabet) | {a + b for a in alphabet for b in alphabet}
    terms |= {text[i:i + k] for text in texts for k in (3, 4, 6) for i in range(0, max(len(text) - k, 0), 5)}
    checked = 0
    for term in sorted(terms):
        words = fold(term).split()
        if not words:
            continue
        expected = {title for title, text in stored.items() if all(w in text for w in words)}
        assert set(Initiative.objects.search(term).values_list("title", flat=True)) == expected, term
        checked += 1
    assert checked > 300


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["水", "水素", "太陽光発電", "zeb 水素"])
def test_search_of_any_length_uses_the_gram_index_on_postgresql(campus, shinshu, q):
    for n in range(30):
        make(shinshu, campus, title=f"取組{n}", body="水素と太陽光発電、ZEB")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = Initiative.objects.search(q).order_by().explain()
        cursor.execute("SET enable_seqscan = on")
    assert "working_groups_initiative_search_grams" in plan
    assert Initiative.objects.search(q).count() == 30


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["水", "水素", "太陽光発電"])
def test_newest_matches_read_the_stored_grams_instead_of_computing_them_per_row(campus, shinshu, q):
    """The list's query (the 21 newest) walking initiatives newest-first, as PostgreSQL does for a
    common word, checks each row against its stored grams: search_grams() runs at write time only
    (it costs milliseconds a row)."""
    for n in range(30):
        make(shinshu, campus, title=f"取組{n}", body="水素と太陽光発電")
    query = Initiative.objects.public().search(q).order_by("-published_at", "-id")[:21]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_bitmapscan = off")
        plan = query.explain(verbose=True)
        cursor.execute("RESET enable_bitmapscan")
    assert "search_grams_tsv @@" in plan
    assert "search_grams(" not in plan
    assert len(query) == 21


def test_stored_grams_follow_a_write_that_bypasses_save(campus, shinshu):
    initiative = make(shinshu, campus, title="取組", body="水素")
    Initiative.objects.filter(pk=initiative.pk).update(search_text=fold("風力 WIND"))
    assert list(Initiative.objects.search("風力").values_list("pk", flat=True)) == [initiative.pk]
    assert list(Initiative.objects.search("ｗｉｎｄ").values_list("pk", flat=True)) == [initiative.pk]
    assert not Initiative.objects.search("水素").exists()


@pytest.mark.postgres
def test_directory_name_search_of_two_characters_uses_the_gram_index():
    InstitutionFactory(name_ja="信州大学", name_en="Shinshu University")
    InstitutionFactory(name_ja="東北大学", name_en="Tohoku University")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = Institution.objects.search("信州").order_by().explain()
        cursor.execute("SET enable_seqscan = on")
    assert "members_institution_search_grams" in plan
    assert list(Institution.objects.search("信州").values_list("name_en", flat=True)) == ["Shinshu University"]


@pytest.mark.parametrize("q", ["水", "水素", "太陽光発電", "zeb 太陽"])
def test_search_query_count_does_not_grow_with_matches(client, campus, shinshu, q):
    client.force_login(UserFactory())

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/ja/initiatives/", {"q": q})
        assert response.status_code == 200
        return len(ctx), len(response.context["object_list"])

    make(shinshu, campus, body="水素と太陽光発電、ZEB")
    few, shown = count()
    assert shown == 1
    groups = WorkingGroupFactory.create_batch(3)
    for n in range(30):
        i = make(InstitutionFactory(prefecture=f"{n % 47 + 1:02d}"), campus, title=f"t{n}",
                 body="水素と太陽光発電、ZEB")
        i.themes.add(*groups)
    assert count() == (few, 20)
