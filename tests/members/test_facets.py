"""Facet counts counted together (members.facets): the same numbers as one query per facet."""

import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import facets
from members.models import Institution
from tests.factories import InstitutionFactory, WorkingGroupFactory
from working_groups.models import Participation

pytestmark = pytest.mark.django_db


@pytest.fixture
def members():
    rng = random.Random(7)
    groups = [WorkingGroupFactory() for _ in range(3)]
    rows = []
    for n in range(40):
        name = rng.choice(["環境大学", "工業大学", "研究所", "市立大学"])
        institution = InstitutionFactory(name_ja=f"{rng.choice(['北', '南', '東'])}{name}{n}",
                                         prefecture=rng.choice(["01", "13", "27", "47"]),
                                         kind=rng.choice(["national", "public", "private"]))
        for group in rng.sample(groups, rng.randint(0, 2)):
            Participation.objects.create(institution=institution, group=group, status=Participation.Status.ACTIVE)
        rows.append(institution)
    return rows


def expected(rows, column):
    return dict(Counter(getattr(i, column) for i in rows))


@pytest.mark.parametrize("q", ["大学", "北", "研究所", "存在しない"])
def test_facets_counted_together_give_each_facets_own_counts(members, q):
    base = Institution.objects.search(q)
    wanted = {"prefecture": (base, "prefecture"), "kind": (base, "kind"),
              "groups": (base, "group_participations__group__slug")}
    with CaptureQueriesContext(connection) as together_queries:
        together = facets.counts(wanted, together=True)
    apart = facets.counts(wanted)
    assert together == apart
    matching = [i for i in members if q in i.name_ja]
    assert together["prefecture"] == expected(matching, "prefecture")
    assert together["kind"] == expected(matching, "kind")
    groups = Counter(p.group.slug for p in Participation.objects.filter(institution__in=matching))
    no_group = sum(1 for i in matching if not i.group_participations.exists())
    assert together["groups"] == {**dict(groups), **({None: no_group} if no_group else {})}
    if connection.vendor == "postgresql":
        # the two columns of the institutions' own rows in one query, the relation's alone
        assert len(together_queries) == 2


def test_a_search_that_matches_nothing_counts_nothing(members):
    empty = Institution.objects.none()
    assert facets.counts({"kind": (empty, "kind"), "prefecture": (empty, "prefecture")}, together=True) == {
        "kind": {}, "prefecture": {}}


def test_a_facet_with_a_relation_counts_each_row_once(members):
    """A row joined to two working groups counts once per group, and once in its own columns."""
    base = Institution.objects.filter(group_participations__isnull=False)
    found = facets.counts({"kind": (base, "kind"), "prefecture": (base, "prefecture")}, together=True)
    distinct = list(base.distinct())
    assert found["kind"] == expected(distinct, "kind")
    assert found["prefecture"] == expected(distinct, "prefecture")


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["大学", "北", "存在しない"])
def test_facets_counted_together_also_count_their_rows_once_each(members, q):
    """``total``: the rows the facets counted, each once, even through a join (a member of two
    groups); and no total when the facets do not all count the same rows."""
    matching = [i for i in members if q in i.name_ja]
    base = Institution.objects.search(q)
    found = facets.counts({"prefecture": (base, "prefecture"), "kind": (base, "kind")}, together=True, total="rows")
    assert found["rows"] == len(matching)
    joined = base.filter(group_participations__status=Participation.Status.ACTIVE)
    found = facets.counts({"prefecture": (joined, "prefecture"), "kind": (joined, "kind")}, together=True,
                          total="rows")
    assert found["rows"] == len({i.pk for i in matching if i.group_participations.exists()})
    apart = facets.counts({"prefecture": (base.filter(kind="national"), "prefecture"), "kind": (base, "kind")},
                          together=True, total="rows")
    assert "rows" not in apart


def test_a_directory_search_says_how_many_members_match_in_one_query_less(client, members):
    """A search's count on the directory comes from its facets' query when no facet filter is
    chosen; with one chosen, from a count of its own: the same number either way."""
    import re

    def shown(path):
        page = client.get(path).content.decode()
        return int(re.search(r'id="results-title"[^>]*>[^<]*?(\d+)', page).group(1)), page

    matching = [i for i in members if "大学" in i.name_ja]
    with CaptureQueriesContext(connection) as searched:
        number, _page = shown("/ja/members/?q=大学")
    # read now: the next request empties the connection's log these queries are read from
    searched = [q["sql"] for q in searched.captured_queries]
    assert number == len(matching)
    if connection.vendor == "postgresql":  # SQLite counts each facet on its own, and the rows too
        assert not [sql for sql in searched if sql.startswith('SELECT COUNT(*) AS "__count"')]
    national = [i for i in matching if i.kind == "national"]
    assert shown("/ja/members/?q=大学&kind=national")[0] == len(national)
    group = Participation.objects.order_by("pk").first().group  # through a join: each member once
    in_group = {p.institution_id for p in Participation.objects.filter(group=group, institution__in=matching)}
    assert shown(f"/ja/members/?q=大学&wg={group.slug}")[0] == len(in_group)


@pytest.mark.parametrize("path", ["/ja/members/", "/ja/initiatives/", "/ja/needs/"])
def test_a_parameter_the_list_does_not_know_does_not_count_the_facets_again(client, members, path):
    """A tracking parameter (fbclid, utm_*) differs on every visit and keeps the page cache out; the
    facet counts and the sidebar are those of the list's own filters, counted once."""
    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx)

    if path == "/ja/needs/":
        queries(path)  # the board's columns, built once (cooperation/board.py), count its facets
    counted = queries(f"{path}?prefecture=13&fbclid=first")
    assert queries(f"{path}?fbclid=second&prefecture=13&utm_source=x") < counted
    # the list's own filters still make their own entry
    assert queries(f"{path}?prefecture=27&fbclid=third") == counted


def test_a_many_to_many_facet_counts_each_pair_once_without_distinct():
    """A need's themes (a many-to-many of Django's own through table, a unique slug): each (need,
    theme) pair is once in the join, so the facet counts them with COUNT(*) and gets what a need-by-
    need count gives, needs without a theme under None; a query that joins another table keeps
    COUNT(DISTINCT)."""
    from tests.cooperation.conftest import make_need
    from working_groups.cooperation.models import Need

    rng = random.Random(3)
    groups = [WorkingGroupFactory() for _ in range(3)]
    for n in range(30):
        make_need(title=f"ニーズ{n}", themes=rng.sample(groups, rng.randint(0, 3)), prefecture=rng.choice(["13", "27"]))
    base = Need.objects.filter(prefecture="13")
    with CaptureQueriesContext(connection) as queries:
        found = facets.counts({"wg": (base, "themes__slug")})
    brute = Counter(g.slug for need in base for g in need.themes.all())
    brute.update({None: sum(1 for need in base if not need.themes.exists())})
    assert found["wg"] == {k: v for k, v in brute.items() if v}
    assert "COUNT(*)" in queries[0]["sql"] and "DISTINCT" not in queries[0]["sql"]

    joined = Need.objects.filter(partner__isnull=True, prefecture="13").filter(interests__isnull=True)
    with CaptureQueriesContext(connection) as queries:
        assert facets.counts({"wg": (joined, "themes__slug")})["wg"] == found["wg"]
    assert "COUNT(DISTINCT" in queries[0]["sql"]
