"""Suggested matches: ranked by themes shared, words of the need found, and closeness of place;
each with its reasons; members-only entries only for members."""

import pytest
from django.contrib.auth.models import AnonymousUser

from working_groups.cooperation import geography
from working_groups.cooperation.selectors import key_terms, suggestions_for

from .conftest import make_expertise, make_need

pytestmark = pytest.mark.django_db


def test_key_terms_split_japanese_compounds_and_keep_katakana_and_latin():
    assert key_terms("地域の排出量推計とシナリオ、LCA") == ["地域", "排出", "量推", "しなりお", "lca"]
    assert key_terms("共同研究") == []  # stop words only
    # English titles: words that say nothing of the need are not searched for
    assert key_terms("Looking for help analysing heat-pump data from our customers' buildings") == [
        "analysing", "heat-pump", "data", "customers", "buildings"]


def test_a_reason_names_the_words_as_the_title_writes_them(client, world):
    """The search compares folded words (しなりお, lca); the reason shown says シナリオ and LCA."""
    need = make_need(title="森林シナリオとLCAの評価", themes=[world.group])
    make_expertise(institution=world.b, author=world.users["staff_b"], title="森林シナリオとlcaの研究室",
                   themes=[world.group])
    assert key_terms(need.title) == ["森林", "評価", "しなりお", "lca"]
    reasons = [s.terms for s in suggestions_for(need, AnonymousUser())["expertise"]]
    assert ["森林", "シナリオ", "LCA"] in reasons
    page = client.get(f"/ja/needs/{need.pk}/").content.decode()
    assert "「森林、シナリオ、LCA」を含む" in page and "しなりお" not in page


def test_closeness_follows_the_adjacency_data():
    assert geography.closeness("20", "20") == geography.SAME_PREFECTURE
    assert geography.closeness("20", "15") == geography.SAME_REGION
    assert geography.closeness("20", "13") == geography.NEIGHBOURING  # Chubu and Kanto
    assert geography.closeness("20", "40") == geography.ELSEWHERE
    assert geography.closeness("", "40") == geography.ELSEWHERE
    for region, neighbours in geography.NEIGHBOURS.items():
        for other in neighbours:
            assert region in geography.NEIGHBOURS[other]  # symmetric


def test_suggestions_rank_by_theme_text_and_place_with_reasons(world):
    staff_b = world.users["staff_b"]
    far = make_expertise(institution=world.b, author=staff_b, title="九州の森林調査", themes=[world.group],
                         prefectures=("40",), keywords="森林")
    unrelated = make_expertise(institution=world.b, author=staff_b, title="蓄電池", themes=[world.other_group],
                               prefectures=("20",))
    nationwide = make_expertise(institution=world.b, author=staff_b, title="全国の講師派遣", themes=[world.group],
                                prefectures=(), nationwide=True)
    result = suggestions_for(world.published, AnonymousUser())
    entries = [s.obj for s in result["expertise"]]
    assert entries[0] == world.expertise  # same theme, same prefecture, the words 森林 and 炭素
    assert entries.index(nationwide) < entries.index(far)
    assert world.members_only not in entries
    assert unrelated not in entries  # no theme and no word in common: not a candidate, however near
    top = result["expertise"][0]
    assert [g.slug for g in top.themes] == ["regional"]
    assert "森林" in top.terms and top.closeness == geography.SAME_PREFECTURE
    assert [s.nationwide for s in result["expertise"] if s.obj == nationwide] == [True]
    # institutions taking part in the theme
    assert [s.obj for s in result["institutions"]] == []


def test_suggestions_include_members_only_for_members(world):
    result = suggestions_for(world.published, world.users["staff_b"])
    assert world.members_only in [s.obj for s in result["expertise"]]


def test_need_page_explains_the_match(client, world):
    page = client.get(f"/ja/needs/{world.published.pk}/").content.decode()
    assert world.expertise.title in page
    assert "テーマ「地域WG」が共通" in page and "同じ都道府県" in page


def test_anywhere_need_says_nothing_about_distance(world):
    need = make_need(title="森林の講演", themes=[world.group], prefecture="")
    result = suggestions_for(need, AnonymousUser())
    assert result["expertise"] and all(s.closeness is None for s in result["expertise"])


def test_a_need_in_hokkaido_a_region_of_one_prefecture_has_its_suggestions(client, world):
    """Hokkaido's region has no other prefecture: the "same region" condition is empty (it made
    every Hokkaido need's page a 500, found by bench/pages.py's random need pages)."""
    need = make_need(title="北海道の森林の調査", themes=[world.group], prefecture="01")
    sapporo = make_expertise(institution=world.b, author=world.users["staff_b"], title="道内の森林調査",
                             themes=[world.group], prefectures=("01",), keywords="森林")
    aomori = make_expertise(institution=world.b, author=world.users["staff_b"], title="青森の森林調査",
                            themes=[world.group], prefectures=("02",), keywords="森林")
    result = suggestions_for(need, AnonymousUser())
    closeness = {s.obj: s.closeness for s in result["expertise"]}
    assert closeness[sapporo] == geography.SAME_PREFECTURE and closeness[aomori] == geography.NEIGHBOURING
    response = client.get(f"/en/needs/{need.pk}/")
    assert response.status_code == 200 and "道内の森林調査" in response.content.decode()


# Suggestions at scale: candidates read through indexes, the section cached per audience


def _initiative(world, *, title, prefecture, themes, n=0, visibility="public"):
    from django.utils import timezone

    from working_groups.models import Initiative
    from working_groups.services import refresh_derived

    initiative = Initiative(institution=world.b, author=world.users["staff_b"], slug=f"match-{n}-{prefecture}",
                            title=title, summary="概要", body="本文", prefecture=prefecture,
                            started_on=timezone.localdate(), status=Initiative.Status.PUBLISHED,
                            visibility=visibility, published_at=timezone.now())
    refresh_derived(initiative)
    initiative.save()
    initiative.themes.set(themes)
    return initiative


def test_suggestions_rank_a_bounded_number_of_candidates_whatever_the_table_size(world):
    """The ranking (a substring test per word and a theme count per row) runs over at most
    CANDIDATES_PER_SOURCE rows from each source (theme, theme near the need, words), not over every
    row that shares a theme or a word: the former "shares a theme OR contains a word" over the
    whole table read and tested every row (153 ms on 2,000 initiatives, 3 s at p95 on a need page)."""
    from working_groups.cooperation import selectors
    from working_groups.models import Initiative

    cap = selectors.CANDIDATES_PER_SOURCE
    for n in range(cap * 3 + 10):
        _initiative(world, title=f"森林の調査{n}", prefecture="20", themes=[world.group], n=n)
    need = world.published
    candidates = selectors._candidates(
        Initiative.objects.published(), theme_ids=[world.group.pk], terms=selectors.key_terms(need.title),
        through=Initiative.themes.through, fk="initiative_id", near=selectors._near(need, code_field="prefecture"))
    ids = set(Initiative.objects.filter(pk__in=candidates).values_list("pk", flat=True))
    assert cap <= len(ids) <= 3 * cap
    newest = set(Initiative.objects.order_by("-pk").values_list("pk", flat=True)[:cap])
    assert newest <= ids  # the newest of each source
    assert len(suggestions_for(need, AnonymousUser())["initiatives"]) == 5


def test_an_older_near_match_still_ranks_first_among_many_newer_theme_rows(world, settings):
    """Each source of candidates is capped (CANDIDATES_PER_SOURCE), the newest first: an older
    initiative in the need's prefecture that shares its theme and words still comes first when
    more newer ones than the cap share only the theme, far away."""
    from working_groups.cooperation import selectors

    best = _initiative(world, title="森林の炭素吸収量の調査と推計", prefecture="20", themes=[world.group])
    for n in range(selectors.CANDIDATES_PER_SOURCE + 5):
        _initiative(world, title=f"蓄電池{n}", prefecture="47", themes=[world.group], n=n + 1)
    result = suggestions_for(world.published, AnonymousUser())
    assert result["initiatives"][0].obj == best
    assert result["initiatives"][0].closeness == geography.SAME_PREFECTURE


def test_a_visitor_still_finds_a_public_match_behind_as_many_newer_members_only_ones_as_the_cap(world):
    """The word source reads twice the cap of the newest rows holding a word, then keeps the newest
    ones the reader may see: an older public initiative with the need's word is still suggested to
    a visitor when CANDIDATES_PER_SOURCE newer ones with it are for members only."""
    from working_groups.cooperation import selectors

    public = _initiative(world, title="県有林の吸収量の調査", prefecture="47", themes=[])
    for n in range(selectors.CANDIDATES_PER_SOURCE):
        _initiative(world, title=f"県有林の吸収量{n}", prefecture="47", themes=[], n=n + 1, visibility="members")
    need = make_need(title="県有林の管理", themes=[])
    assert [s.obj for s in suggestions_for(need, AnonymousUser())["initiatives"]] == [public]
    assert len(suggestions_for(need, world.users["staff_b"])["initiatives"]) == 5  # members see the newer ones


def test_need_page_suggestions_cached_until_what_they_show_changes(client, world):
    """The section is computed once per need, audience and language: the next view runs none of
    the ranked queries, and a newly published initiative that matches shows on the next view."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = world.users["staff_b"]
    client.force_login(member)
    path = f"/ja/needs/{world.published.pk}/"
    assert "森林の炭素吸収量モニタリング" in client.get(path).content.decode()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path).content.decode()
    assert not [q for q in queries.captured_queries if '"score"' in q["sql"]]
    assert "会員限定の研究シーズ" in page  # the members' section
    new = _initiative(world, title="森林の炭素吸収量の推計手法", prefecture="20", themes=[world.group])
    assert new.title in client.get(path).content.decode()
    # a visitor is served the visitors' section, never the members' one cached just before
    client.logout()
    visitor_page = client.get(path + "?_=1").content.decode()
    assert new.title in visitor_page and "会員限定の研究シーズ" not in visitor_page
    # and the English page its own, rendered from the same ranking (none run again)
    with CaptureQueriesContext(connection) as queries:
        english = client.get(f"/en/needs/{world.published.pk}/?_=1").content.decode()
    assert not [q for q in queries.captured_queries if '"score"' in q["sql"]]
    assert "Suggested matches" in english and "shares the theme Regional WG" in english
    assert new.title in english and "会員限定の研究シーズ" not in english


@pytest.mark.postgres
def test_the_newest_rows_holding_any_word_whether_common_rare_or_absent(world):
    """The need page's candidates by word (``members.search.newest_matching_any``, SQL function
    ``search_any_matches``) are the newest rows holding any of the words, whichever plan the
    statistics choose: a word in most rows (the walk newest first), a word in one row (the gram
    index), a word in none (the index, which answers at once: as a plain condition PostgreSQL
    walked all 200,000 initiatives for such words, 1.2 s on a need page's first view)."""
    from django.db import connection
    from django.db.models import F

    from members.search import IdIn, newest_matching_any
    from working_groups.models import Initiative

    for n in range(40):
        _initiative(world, title=f"地域の森林整備{n}", prefecture="20", themes=[world.group], n=n)
    _initiative(world, title="定置用蓄電池の劣化予測", prefecture="13", themes=[world.group], n=99)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE working_groups_initiative")  # the statistics the function reads

    def newest(words, lim=5):
        expression = newest_matching_any(Initiative.objects.all(), words, lim)
        return list(Initiative.objects.filter(IdIn(F("pk"), expression)).order_by("-pk").values_list("pk", flat=True))

    def expected(words, lim=5):
        rows = Initiative.objects.order_by("-pk").values_list("pk", "search_text")
        return [pk for pk, text in rows if any(word in text for word in words)][:lim]

    for n in range(12):  # Latin words: their pairs come together, their product says "rare" (0021)
        _initiative(world, title=f"electric delivery vans {n}", prefecture="13", themes=[world.group], n=100 + n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE working_groups_initiative")
    for words in (["森林"], ["劣化"], ["劣化", "森林"], ["蓄電"], ["ゼロ"], ["水素", "ゼロ"], ["electric"],
                  ["battery", "swapping", "electric", "vans"], ["swapping"], ["electric", "森林"]):
        assert newest(words) == expected(words), words
    assert newest(["劣化"]) and not newest(["ゼロ"]) and not newest(["swapping"])
    assert len(newest(["electric"], lim=10)) == 10
    assert len(newest(["森林"], lim=60)) == len(expected(["森林"], lim=60)) > 5


def test_institutions_rank_by_groups_shared_then_place_and_follow_a_new_participation(client, world):
    """The institutions suggested for a need take part in its groups: more groups shared first, then
    the nearer; the list is kept for every need of the same groups and prefecture (one entry, not
    one per need), and an institution that joins a group shows on the next view of every such need,
    one that withdraws leaves it."""
    from tests.factories import InstitutionFactory
    from working_groups.models import Participation

    def join(institution, group):
        return Participation.objects.create(group=group, institution=institution, status="active")

    both = make_need(title="森林と省エネの両方", themes=[world.group, world.other_group])  # in Nagano
    join(world.b, world.group)  # Fukuoka: elsewhere
    join(world.b, world.other_group)
    join(world.d, world.group)  # Niigata: the same region, one group of two
    ranked = suggestions_for(both, AnonymousUser())["institutions"]
    assert [s.obj.name_ja for s in ranked] == ["乙大学", "丁大学"]  # two groups shared outweigh the region
    assert [s.closeness for s in ranked] == [geography.ELSEWHERE, geography.SAME_REGION]

    twin = make_need(title="同じ群と県の別の課題", themes=[world.other_group, world.group])
    path = f"/ja/needs/{twin.pk}/"
    assert "長野の大学" not in client.get(path).content.decode()
    nagano = InstitutionFactory(slug="univ-nagano", name_ja="長野の大学", name_en="Nagano U", prefecture="20")
    joined = [join(nagano, world.group), join(nagano, world.other_group)]
    page = client.get(path).content.decode()
    assert page.index("長野の大学") < page.index("乙大学") < page.index("丁大学")
    assert "長野の大学" in client.get(f"/ja/needs/{both.pk}/").content.decode()
    for participation in joined:
        participation.status = Participation.Status.ENDED
        participation.save()
    assert "長野の大学" not in client.get(path).content.decode()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_institutions_read_from_the_prefecture_first_rank_as_the_whole_table_would(world, seed):
    """The suggested institutions are read from the need's prefecture first, and from everyone
    unless five there share every group (then no one elsewhere can pass or tie the fifth): the same
    five as ranking every institution, whatever the mix."""
    import random

    from members.models import Institution
    from tests.factories import InstitutionFactory
    from working_groups.cooperation.selectors import _institutions_ranked
    from working_groups.models import Participation

    rng = random.Random(seed)
    groups = [world.group, world.other_group]
    # Nagano (20), its region (15 Niigata, 17 Ishikawa), a neighbouring region (13 Tokyo), far (40, 47)
    for n in range(40):
        institution = InstitutionFactory(slug=f"ring-{seed}-{n}", name_kana=f"りんぐ{rng.randint(0, 9)}{n:02d}",
                                         prefecture=rng.choice(["20", "20", "15", "17", "13", "40", "47"]))
        for group in rng.sample(groups, rng.choice([0, 1, 1, 2, 2, 2])):
            Participation.objects.create(group=group, institution=institution, status="active")

    def everyone(theme_ids, prefecture):
        scored = []
        for institution in Institution.objects.active():
            overlap = Participation.objects.filter(institution=institution, group_id__in=theme_ids,
                                                   status="active").count()
            if overlap:
                score = 3 * overlap + geography.closeness(prefecture, institution.prefecture)
                scored.append((-score, institution.name_kana, institution.pk))
        return [pk for _score, _kana, pk in sorted(scored)[:5]]

    for theme_ids in ([world.group.pk], [world.group.pk, world.other_group.pk]):
        for prefecture in ("20", "15", "13", "01", "47"):
            found = [i.pk for i in _institutions_ranked(theme_ids, prefecture, 5)]
            assert found == everyone(theme_ids, prefecture), (theme_ids, prefecture)
