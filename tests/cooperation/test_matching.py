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
