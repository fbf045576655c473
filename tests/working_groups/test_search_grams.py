"""Search by words of every length: one and two Japanese characters (水, 水素) as well as longer
words, Latin, kana and full-width text, through the gram index on PostgreSQL (members/search.py)."""

import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from members import search
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


@pytest.mark.parametrize("cap", [2500, 3])
def test_search_finds_every_document_holding_the_term(campus, shinshu, monkeypatch, cap):
    """Against the definition (the folded term is a substring of the folded text), over a corpus of
    a few characters in every width and script, for every term of one and two characters and for
    longer ones cut from the texts, plus runs of one digit or kana (666, ーーー: rare words made
    of common pairs, which the probe tests on the trigram index's rows); with the probe's cap
    lowered to 3, most terms take the common words' plan (the walk) on PostgreSQL, the others the
    rare words' (among the probe's ids). The other backend (SQLite) runs the same test."""
    monkeypatch.setattr(search, "PROBE_CAP", cap)
    rng = random.Random(23)
    alphabet = list("水素太陽光電力地域あいアイｱｲＡBc1１６・ー%_\\")
    texts = ["".join(rng.choice(alphabet + [" "]) for _ in range(rng.randint(1, 30))) for _ in range(40)]
    # digit and kana runs: 66 and ーー in many rows, 666 and ーーー in few
    texts += [f"{'6' * k}号 {'ー' * k}あ" for k in (2, 2, 2, 3, 2, 4, 6)] + ["ＡＢ666", "ｰｰｰｨ", "1％_2"]
    for n, text in enumerate(texts):
        make(shinshu, campus, title=f"t{n}", body=text)
    stored = dict(Initiative.objects.values_list("title", "search_text"))
    terms = set(alphabet) | {a + b for a in alphabet for b in alphabet}
    terms |= {text[i:i + k] for text in texts for k in (3, 4, 6) for i in range(0, max(len(text) - k, 0), 5)}
    terms |= {c * k for c in "6６ーｰあ1" for k in (2, 3, 4, 5, 7)} | {"ab666", "666号", "%_", "1%_2", "ーあ ６６６"}
    checked = long_found = 0
    for term in sorted(terms):
        words = fold(term).split()
        if not words:
            continue
        expected = {title for title, text in stored.items() if all(w in text for w in words)}
        assert set(Initiative.objects.search(term).values_list("title", flat=True)) == expected, term
        checked += 1
        long_found += bool(expected) and max(len(w) for w in words) > 2
    assert checked > 300 and long_found > 30


def probe_plan(q: str) -> str:
    """The plan of the probe's query (members migration 0019) under the function's own settings,
    read from the catalogue: what ``search_probe`` runs for ``q`` (a word of three characters or
    more is tested there, with LIKE where the trigram index can answer it)."""
    from members.search import gram_query, probe_words

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'search_probe'")
        for setting in cursor.fetchone()[0]:
            name, value = setting.split("=")
            cursor.execute(f"SET LOCAL {name} = {value}")
        grams = " & ".join(gram_query(w) for w in q.split())
        likes, texts = probe_words(q.split())
        tests = "".join(" AND search_text LIKE %s" for _ in likes) + "".join(" AND strpos(search_text, %s) > 0"
                                                                             for _ in texts)
        cursor.execute("EXPLAIN SELECT id FROM working_groups_initiative WHERE search_grams_tsv @@ %s::tsquery"
                       f"{tests} LIMIT 2501", [grams, *likes, *texts])
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["水", "水素", "太陽光発電", "zeb 水素", "６６６", "ーーー"])
def test_search_of_any_length_asks_the_indexes_which_rows_match(campus, shinshu, q):
    """The probe reads the gram index (a bitmap scan, which reads no row's grams), never a walk
    of the table testing each row's grams, however many rows PostgreSQL expects; a word of three
    characters or more may be read from the trigram index too (rare ones made of common pairs:
    666), and is tested there on each row the indexes give."""
    for n in range(30):
        make(shinshu, campus, title=f"取組{n}", body="水素と太陽光発電、ZEB 666 ーーー")
        make(shinshu, campus, title=f"別の取組{n}", body="66 ーー")
    plan = probe_plan(fold(q))
    assert "Bitmap Index Scan on working_groups_initiative_search_" in plan
    assert "Seq Scan" not in plan and "Index Scan using" not in plan
    assert Initiative.objects.search(q).count() == 30
    long_word = max(len(w) for w in fold(q).split()) > 2
    assert ("search_text" in plan) == long_word  # a long word is tested on the rows the indexes give


def list_queries(client, q, **params):
    """The initiative list's queries for ``q`` and the titles it shows, newest first."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/ja/initiatives/", {"q": q, **params})
    assert response.status_code == 200
    return [query["sql"] for query in ctx.captured_queries], response


@pytest.fixture
def corpus(campus, shinshu, monkeypatch):
    """A word in more rows than the probe's cap (common), one in fewer (rare), one in none; the
    cap is lowered to 5 so that a small table has both kinds."""
    monkeypatch.setattr(search, "PROBE_CAP", 5)
    made = {"common": [], "rare": []}
    for n in range(12):
        made["common"].append(make(shinshu, campus, title=f"水素の取組{n}", body="燃料電池", days_ago=n + 1))
    for n, days in enumerate((3, 30, 300)):
        made["rare"].append(make(shinshu, campus, title=f"地熱の取組{n}", body="温泉", days_ago=days))
    make(shinshu, campus, title="下書きの地熱", body="温泉", status="draft")
    make(shinshu, campus, title="会員の地熱", body="温泉", visibility="members")
    make(shinshu, campus, title="会員の水素", body="燃料電池", visibility="members")
    return made


@pytest.mark.postgres
def test_a_rare_two_character_word_is_read_among_the_ids_the_gram_index_gives(client, corpus):
    queries, response = list_queries(client, "地熱")
    assert [i.title for i in response.context["object_list"]] == ["地熱の取組0", "地熱の取組1", "地熱の取組2"]
    assert response.context["paginator"].count == 3
    assert "3件の取組事例" in response.content.decode()
    # the grams are read once, from the index (the probe); the list itself reads none of them
    assert sum("search_grams_tsv" in sql or "search_probe" in sql for sql in queries) == 1
    assert [sql for sql in queries if "search_probe" in sql]
    page = next(sql for sql in queries if "LIMIT 21" in sql)
    assert "= ANY(" in page and "STRPOS" not in page


@pytest.mark.postgres
def test_an_absent_two_character_word_lists_nothing_without_reading_the_table(client, corpus):
    queries, response = list_queries(client, "潮汐")
    assert list(response.context["object_list"]) == []
    assert response.context["paginator"].count == 0
    # the probe finds no id, so the page's query of the initiatives never runs
    assert [sql for sql in queries if "search_probe" in sql]
    assert not [sql for sql in queries if "LIMIT 21" in sql]


@pytest.mark.postgres
def test_a_long_query_of_many_grams_answers_and_finds_nothing(client, corpus):
    """The probe multiplies each gram's share: a query of 100 characters (a pasted sentence) made
    that product underflow, and PostgreSQL's exp() raised an error: a 500 (seen with a script tag)."""
    q = "再生可能エネルギーの地域導入と蓄電池による需給調整について大学と自治体が連携する取組事例を探しています" * 2
    response = client.get("/ja/initiatives/", {"q": q[:100]})
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []


@pytest.mark.postgres
def test_a_common_two_character_word_walks_the_list_newest_first_testing_the_text(client, corpus):
    queries, response = list_queries(client, "水素")
    shown = [i.title for i in response.context["object_list"]]
    assert shown == [f"水素の取組{n}" for n in range(12)]  # public ones only, newest first
    assert response.context["paginator"].count == 12
    walk = next(sql for sql in queries if "LIMIT 21" in sql)
    assert "STRPOS" in walk
    assert "search_grams_tsv" not in walk and "= ANY(" not in walk
    # a longer list: page 1 says there is more (the lookahead), page 2 ends with the oldest
    for n in range(25):
        make(corpus["common"][0].institution, corpus["common"][0].themes.get(), title=f"古い水素{n}",
             body="燃料電池", days_ago=400 + n)
    first = client.get("/ja/initiatives/", {"q": "水素"}).context
    assert first["paginator"].capped and len(first["object_list"]) == 20
    last = client.get("/ja/initiatives/", {"q": "水素", "page": 2}).context
    assert [i.title for i in last["object_list"]][-1] == "古い水素24"
    assert last["paginator"].count == 12 + 25  # the members-only one is not a visitor's


@pytest.mark.postgres
@pytest.mark.parametrize(("q", "expected"), [("地熱", 3), ("潮汐", 0), ("水素", 12), ("水素 取組1", 3),
                                             ("地熱の取組", 3), ("の取", 15)])
def test_api_search_finds_the_same_rows_whichever_plan(client, corpus, q, expected):
    response = client.get("/api/v1/initiatives/", {"q": q, "page_size": 100})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == expected
    published = [row["published_at"] for row in rows]
    assert published == sorted(published, reverse=True)


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
