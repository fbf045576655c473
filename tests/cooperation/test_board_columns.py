"""The needs board's facets counted from its columns (cooperation/board.py) are exactly those of
PostgreSQL's (or SQLite's) counts of the same filters: random combinations of every filter, valid
and not, with and without a search, over needs in every listed status, with zero to three themes,
for anywhere in Japan and for a prefecture; and the columns follow each change of a need."""

import random

import pytest
from django.http import QueryDict

from members.regions import REGIONS
from tests.cooperation.conftest import make_need
from tests.factories import WorkingGroupFactory
from working_groups.cooperation import board
from working_groups.cooperation.filters import STATUS_ALL, NeedFilter, facets, look_up_once
from working_groups.cooperation.models import Need
from working_groups.cooperation.views.directories import columnar_counts

pytestmark = pytest.mark.django_db

WORDS = ["森林", "地域", "の", "蓄電", "存在しない語", "a"]


def sql_counts(data):
    base, lookups = Need.objects.listed(), {}
    counts = facets(NeedFilter, data, base, {"wg": "themes__slug", "kind": "help_kind", "prefecture": "prefecture",
                                             "year": "year"}, lookups=lookups)
    counts.update(facets(NeedFilter, data, base, {"status": "status"}, fixed={"status": STATUS_ALL}, lookups=lookups))
    return counts


def column_counts(data):
    base, lookups = Need.objects.listed(), {}
    return columnar_counts(look_up_once(NeedFilter(data, queryset=base), lookups), base, lookups)


@pytest.fixture
def needs():
    rng = random.Random(11)
    groups = [WorkingGroupFactory(slug=slug) for slug in ("campus", "regional", "innovation", "energy")]
    statuses = [*Need.LISTED, Need.Status.SUBMITTED, Need.Status.UNCONFIRMED]
    for n in range(70):
        need = make_need(title=f"{rng.choice(['森林の', '地域の', '蓄電池', 'water'])}ニーズ{n}",
                         description=rng.choice(["森林の保全", "地域の交通", "説明です。"]),
                         themes=rng.sample(groups, rng.randint(0, 3)), status=rng.choice(statuses),
                         prefecture=rng.choice(["", "13", "14", "27", "01", "47"]),
                         help_kind=rng.choice(Need.Help.values))
        Need.objects.filter(pk=need.pk).update(year=rng.choice([2024, 2025, 2026]))
    return groups


def random_data(rng) -> QueryDict:
    options = {
        "q": WORDS,
        "wg": ["campus", "regional", "energy", "no-such-theme"],
        "region": [r.slug for r in REGIONS] + ["atlantis"],
        "prefecture": ["13", "27", "47", "99"],
        "kind": [*Need.Help.values, "nonsense"],
        "status": ["open", "all", *Need.LISTED, "unconfirmed"],
        "year": ["2024", "2025", "1999", "x"],
    }
    data = QueryDict(mutable=True)
    for name in rng.sample(sorted(options), rng.randint(0, 4)):
        data[name] = rng.choice(options[name])
    return data


def test_the_columns_count_what_the_database_counts_for_any_filters(needs):
    rng = random.Random(5)
    combinations = [QueryDict(), *(random_data(rng) for _ in range(120))]
    for data in combinations:
        assert column_counts(data) == sql_counts(data), data.urlencode()
    assert any(column_counts(data)["wg"] for data in combinations)


def test_the_columns_follow_each_change_of_a_need(needs, client):
    before = column_counts(QueryDict())
    need = make_need(title="新しいニーズ", themes=[needs[0]], prefecture="40", status=Need.Status.PUBLISHED)
    added = column_counts(QueryDict())
    assert added["prefecture"].get("40", 0) == before["prefecture"].get("40", 0) + 1
    assert added == sql_counts(QueryDict())
    need.status = Need.Status.CLOSED
    need.save()
    need.themes.set([needs[1]])
    assert column_counts(QueryDict()) == sql_counts(QueryDict())
    page = client.get("/ja/needs/?prefecture=40&status=all").content.decode()
    assert "新しいニーズ" in page


def test_more_theme_groups_than_the_columns_hold_are_counted_by_the_database(needs, monkeypatch):
    monkeypatch.setattr(board, "MAX_THEMES", 2)
    board._kept.clear()
    data = QueryDict("wg=campus")
    assert column_counts(data) is None
    assert sql_counts(data)["kind"]  # the board's own path: the SQL facets


def test_an_emptied_cache_builds_the_columns_again_though_the_versions_start_again(needs):
    """Redis restarted (or a test's own key prefix) starts the namespaces' versions from 0 again:
    a process's copy built at the same numbers before is not the board of now."""
    from django.core.cache import cache

    from tests.conftest import forget_cache_keys

    def empty_the_cache():  # this test's keys on Redis (other processes' tests share it); all in-process
        forget_cache_keys()
        if not cache.__class__.__name__.startswith("Redis"):
            cache.clear()

    empty_the_cache()
    before = column_counts(QueryDict("status=all"))  # built at versions 0
    Need.objects.listed().update(status=Need.Status.CLOSED)  # no signal: as if while the cache was away
    empty_the_cache()  # versions 0 again
    after = column_counts(QueryDict("status=all"))
    assert after == sql_counts(QueryDict("status=all")) != before
    assert set(after["status"]) == {"closed"}
