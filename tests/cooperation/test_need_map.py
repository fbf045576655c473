"""The needs board's map of Japan: the needs of each prefecture among those the other filters
choose, in needs (件), with its table; each tile keeps the filters and sets ``prefecture``; the map
costs no query of its own."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.cache import NAMESPACES, bump
from working_groups.cooperation.models import Need

from .conftest import make_need

pytestmark = pytest.mark.django_db


def tile_labels(page: str) -> dict[str, str]:
    """href -> aria-label of each tile of the map."""
    return dict(re.findall(r'<a href="([^"]*)" aria-label="([^"]*)"', page.split('<svg class="japan-map"')[1]
                           .split("</svg>")[0]))


def table_rows(page: str) -> dict[str, str]:
    table = page.split('<details class="map-table">')[1].split("</details>")[0]
    return dict(re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a></th><td>(\d+)</td>', table))


@pytest.fixture
def spread(world):
    """Open: Nagano (world's) and two in Fukuoka; matched in Fukuoka; one for anywhere in Japan."""
    make_need(title="福岡の課題1", themes=[world.group], prefecture="40")
    make_need(title="福岡の課題2", themes=[world.other_group], prefecture="40", help_kind=Need.Help.SPEAKER)
    make_need(title="福岡の済んだ課題", themes=[world.group], prefecture="40", status=Need.Status.MATCHED)
    make_need(title="どこでもよい課題", themes=[world.group], prefecture="")
    return world


def test_map_counts_open_needs_by_prefecture_in_needs_in_both_languages(client, spread):
    page = client.get("/ja/needs/").content.decode()
    labels = set(tile_labels(page).values())
    assert {"長野県: 1件", "福岡県: 2件", "東京都: 0件"} <= labels
    assert not any("機関" in label for label in labels)
    assert "都道府県別のニーズ件数（選んだ条件で）。都道府県を選ぶと、そのニーズを一覧できます。" in page
    assert '<caption class="visually-hidden">都道府県別のニーズ件数</caption>' in page
    assert '<th scope="col">都道府県</th><th scope="col">件数</th>' in page
    assert table_rows(page)["福岡県"] == "2" and table_rows(page)["長野県"] == "1"
    assert "全国どこでも可のニーズ1件は地図には含まれず、どの都道府県の一覧にも表示されます。" in page

    page = client.get("/en/needs/").content.decode()
    labels = set(tile_labels(page).values())
    assert {"Nagano: 1 need", "Fukuoka: 2 needs", "Tokyo: 0 needs"} <= labels
    assert not any("member" in label for label in labels)
    assert "Needs by prefecture, with the filters chosen. Choose a prefecture to list its needs." in page
    assert '<th scope="col">Prefecture</th><th scope="col">Needs</th>' in page
    assert "1 need for anywhere in Japan is on no tile: it is listed under every prefecture." in page


def test_map_follows_the_other_filters(client, spread):
    # every status: the matched one counts too; a kind: only the speaker
    assert table_rows(client.get("/ja/needs/?status=all").content.decode())["福岡県"] == "3"
    speaker = client.get("/ja/needs/?kind=speaker").content.decode()
    assert table_rows(speaker)["福岡県"] == "1" and table_rows(speaker)["長野県"] == "0"
    # a region chosen does not hide the rest of Japan on the map (as on the members' map)
    assert table_rows(client.get("/ja/needs/?region=kanto").content.decode())["福岡県"] == "2"


def test_each_tile_keeps_the_filters_and_sets_the_prefecture(client, spread):
    page = client.get("/en/needs/?q=%E8%AA%B2%E9%A1%8C&wg=regional&region=kanto&status=all&page=1&format=")
    hrefs = {label.split(":")[0]: href for href, label in tile_labels(page.content.decode()).items()}
    assert hrefs["Fukuoka"] == "?q=%E8%AA%B2%E9%A1%8C&amp;wg=regional&amp;status=all&amp;prefecture=40"
    chosen = client.get("/en/needs/?status=all&prefecture=40").content.decode()
    assert re.search(r'<a href="\?status=all&amp;prefecture=40" aria-label="Fukuoka: 3 needs" aria-current="true">',
                     chosen)
    # the tile's link lists that prefecture's needs (and those for anywhere), as the table says
    listed = client.get("/en/needs/?status=all&prefecture=40").context["paginator"].count
    assert listed == 3 + 1


def test_members_map_still_counts_members(client, spread):
    page = client.get("/en/members/").content.decode()
    assert "Members by prefecture. Choose a prefecture to list its members." in page
    assert any(label.endswith(("member", "members")) for label in tile_labels(page).values())


def _count(client, path) -> int:
    """The queries of one request, its cached fragments (the board's counts and map) computed afresh."""
    bump(*NAMESPACES)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_map_adds_no_query_and_counts_do_not_grow(client, spread):
    paths = ["/ja/needs/", "/ja/needs/?status=all&wg=regional", "/ja/needs/?prefecture=40&kind=speaker",
             "/en/needs/?region=kyushu-okinawa&q=%E8%AA%B2%E9%A1%8C"]
    for path in paths:
        _count(client, path)
    before = {path: _count(client, path) for path in paths}
    for i in range(30):
        make_need(title=f"課題{i}", themes=[spread.group], prefecture=f"{i % 47 + 1:02d}",
                  status=[Need.Status.PUBLISHED, Need.Status.MATCHED][i % 2])
    assert {path: _count(client, path) for path in paths} == before
