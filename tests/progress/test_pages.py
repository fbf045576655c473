"""/progress/ and /members/<slug>/progress/: the totals the database computes, the charts and their
tables, the open data, the privacy of members-only figures and bounded query counts."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.cache import NAMESPACES, bump
from members.models import Institution
from members.regions import REGIONS_BY_SLUG
from tests.factories import InstitutionFactory, WorkingGroupFactory, secretariat_user, staff_of
from working_groups.models import Participation
from working_groups.progress.models import Commitment, YearlyReport, current_fiscal_year

pytestmark = pytest.mark.django_db

LAST = current_fiscal_year() - 1
PUBLIC, MEMBERS = Commitment.Visibility.PUBLIC, Commitment.Visibility.MEMBERS


def member(slug, *, visibility=PUBLIC, prefecture="13", kind=Institution.Kind.NATIONAL_UNIVERSITY, years=(LAST,),
           scope1="1000", scope2="2000", **extra):
    # fixed names: a factory sequence number such as テスト大学1357 must not look like a leaked figure
    inst = InstitutionFactory(slug=slug, prefecture=prefecture, kind=kind, name_ja=f"{slug}大学",
                              name_en=f"{slug} University")
    Commitment.objects.create(institution=inst, target_year=2050, baseline_year=2013,
                              baseline_emissions=Decimal("4000"), interim_year=2030,
                              interim_reduction=Decimal("50"), visibility=visibility)
    for year in years:
        YearlyReport.objects.create(
            institution=inst, fiscal_year=year, status=YearlyReport.Status.PUBLISHED, scope1=Decimal(scope1),
            scope2=Decimal(scope2), energy_gj=Decimal("10000"), renewable_share=Decimal("20"), floor_area=100000,
            headcount=5000, **extra)
    return inst


def test_totals_sum_every_published_report_of_the_year(client):
    for n in range(3):
        member(f"pub-{n}", years=(LAST - 1, LAST))
    member("private-1", visibility=MEMBERS, years=(LAST,), scope1="7777", scope2="1")
    inst = member("draft-only", years=())
    YearlyReport.objects.create(institution=inst, fiscal_year=LAST, status=YearlyReport.Status.SUBMITTED,
                                scope1=Decimal("900000"), scope2=Decimal("1"), energy_gj=Decimal("1"),
                                renewable_share=Decimal("1"), floor_area=1, headcount=1)

    data = json.loads(client.get("/ja/progress/?format=json").content)

    years = {row["fiscal_year"]: row for row in data["years"]}
    # the private institution is counted but the year has only one private one: for a visitor the
    # year is suppressed (subtracting the three public figures would reveal it)
    assert years[LAST] == {"fiscal_year": LAST, "institutions": None, "suppressed": True}
    assert years[LAST - 1]["scope1_t"] == 3000.0
    assert years[LAST - 1]["scope1_2_t"] == 9000.0
    assert years[LAST - 1]["kg_per_m2"] == 30.0  # 9000 t × 1000 / 300,000 m²
    assert years[LAST - 1]["renewable_share_pct"] == 20.0


def test_members_see_totals_including_members_only_figures(client):
    for n in range(3):
        member(f"pub-{n}")
    member("private-1", visibility=MEMBERS, scope1="7777", scope2="1")
    client.force_login(staff_of(Institution.objects.get(slug="pub-0")))

    data = json.loads(client.get("/ja/progress/?format=json").content)

    assert data["years"][0]["institutions"] == 4
    assert data["years"][0]["scope1_t"] == 3000.0 + 7777.0


def test_members_see_members_only_institutions_listed_with_a_badge(client):
    member("pub-0")
    member("private-1", visibility=MEMBERS)
    visitor = client.get("/en/progress/").content.decode()
    assert "/en/members/pub-0/progress/" in visitor and "/en/members/private-1/progress/" not in visitor
    client.force_login(staff_of(Institution.objects.get(slug="pub-0")))
    rows = client.get("/en/progress/").content.decode().split('id="institutions-title"')[1]
    private = rows.split("/en/members/private-1/progress/")[1].split("</tr>")[0]
    public = rows.split("/en/members/pub-0/progress/")[1].split("</tr>")[0]
    assert '<span class="badge badge-muted">Members only</span>' in private
    assert "Members only" not in public and "<td>2050</td>" in public


def test_three_or_more_private_institutions_make_a_year_shown_to_visitors(client):
    for n in range(3):
        member(f"pub-{n}")
        member(f"priv-{n}", visibility=MEMBERS, scope1="5555")

    data = json.loads(client.get("/ja/progress/?format=json").content)

    assert data["years"][0]["institutions"] == 6
    assert data["years"][0]["scope1_t"] == 3 * 1000.0 + 3 * 5555.0


@pytest.mark.parametrize("query", ["", "?region=kanto", "?prefecture=13", "?kind=private", "?wg=campus"])
def test_private_figures_appear_in_no_page_csv_json_or_chart(client, query):
    group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG")
    secret = member("secret", visibility=MEMBERS, kind=Institution.Kind.PRIVATE_UNIVERSITY, scope1="8642.1",
                    scope2="1357.9", years=(LAST - 1, LAST))
    Participation.objects.create(group=group, institution=secret, status=Participation.Status.ACTIVE)
    for n in range(2):
        inst = member(f"pub-{n}", years=(LAST - 1, LAST))
        Participation.objects.create(group=group, institution=inst, status=Participation.Status.ACTIVE)
    pages = [client.get(f"/{lang}/progress/{query}").content.decode() for lang in ("ja", "en")]
    pages.append(client.get(f"/ja/progress/{query}{'&' if query else '?'}format=csv").content.decode())
    pages.append(client.get(f"/ja/progress/{query}{'&' if query else '?'}format=json").content.decode())
    for content in pages:  # not even listed
        assert "/members/secret/" not in content
    pages.append(client.get("/ja/members/secret/progress/").content.decode())
    pages.append(client.get("/ja/members/secret/progress/?format=csv").content.decode())
    pages.append(client.get("/ja/members/secret/progress/?format=json").content.decode())
    for content in pages:
        for figure in ("8,642", "8642", "1,358", "1357", "10,000", "10000.0", "12000", "12,000"):
            assert figure not in content


def test_progress_page_draws_charts_with_tables_and_units(client):
    for n in range(3):
        member(f"pub-{n}", years=(LAST - 1, LAST), scope1="1234567")

    for lang, heading in (("ja", "年度別の排出量"), ("en", "Emissions by fiscal year")):
        content = client.get(f"/{lang}/progress/").content.decode()
        assert content.count('<svg class="chart"') == 2
        assert 'role="img"' in content
        assert "<table>" in content
        assert heading in content
        assert "3,703,701" in content  # three institutions' scope 1, with thousands separators
        assert (f"{LAST}年度" if lang == "ja" else f"FY{LAST}") in content
        assert "t-CO₂e" in content


def test_progress_csv_has_a_row_per_year(client):
    for n in range(3):
        member(f"pub-{n}", years=(LAST - 2, LAST - 1, LAST))

    response = client.get("/en/progress/?format=csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [int(r["fiscal_year"]) for r in rows] == [LAST - 2, LAST - 1, LAST]
    assert rows[0]["scope1_2_t"] == "9000.0"


@pytest.mark.parametrize("query", ["page=abc", "prefecture=99", "region=nowhere", "wg=no-such-group", "format=xml",
                                   "kind=" + "x" * 3000, "q=a&q=b"])
def test_progress_page_answers_bad_filters_without_error(client, query):
    member("pub-0")
    response = client.get(f"/ja/progress/?{query}")
    assert response.status_code == 200


def test_institution_page_shows_trend_against_target_path(client):
    member("alpha", years=(LAST - 2, LAST - 1, LAST), scope1="1000", scope2="1500")

    content = client.get("/en/members/alpha/progress/").content.decode()

    assert '<svg class="chart" id="chart-institution"' in content
    assert "<polyline" in content  # the target path
    assert "Target path" in content
    assert "2,500" in content
    data = json.loads(client.get("/en/members/alpha/progress/?format=json").content)
    assert [row["fiscal_year"] for row in data["years"]] == [LAST - 2, LAST - 1, LAST]
    assert data["commitment"]["target_year"] == 2050
    # path: 4000 in FY2013 to 2000 in FY2030, then to 0 in FY2050
    if LAST <= 2030:
        expected = Decimal(4000) - Decimal(2000) * (LAST - 2013) / 17
    else:
        expected = Decimal(2000) - Decimal(2000) * (LAST - 2030) / 20
    assert data["years"][-1]["target_path_t"] == float(round(expected, 1))


def test_institution_page_of_members_only_figures_tells_visitors_so(client):
    member("quiet", visibility=MEMBERS)
    content = client.get("/en/members/quiet/progress/").content.decode()
    assert "shares its figures with member institutions only" in content
    assert "<svg" not in content


def _queries(client, path) -> int:
    """The queries of one request, its cached fragments (totals, filter fields) computed afresh."""
    bump(*NAMESPACES)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_progress_page_queries_do_not_grow_with_the_data(client, signed_in):
    WorkingGroupFactory(slug="campus")
    if signed_in:
        client.force_login(secretariat_user())
    for n in range(3):
        member(f"pub-{n}", years=(LAST,))
    paths = ["/ja/progress/?region=kanto", "/ja/progress/?format=csv", "/ja/progress/?format=json"]
    few = {path: _queries(client, path) for path in paths}
    for n in range(3, 15):
        member(f"pub-{n}", years=(LAST - 3, LAST - 2, LAST - 1, LAST), prefecture=f"{n + 1:02d}",
               visibility=MEMBERS if n % 2 else PUBLIC)
    assert {path: _queries(client, path) for path in paths} == few
    few = few["/ja/progress/?region=kanto"]
    assert _queries(client, "/ja/progress/") <= few + 1


def test_institution_page_queries_do_not_grow_with_the_years(client):
    member("alpha", years=(LAST,))
    paths = ["/ja/members/alpha/progress/", "/ja/members/alpha/progress/?format=csv",
             "/ja/members/alpha/progress/?format=json"]
    few = {path: _queries(client, path) for path in paths}
    inst = Institution.objects.get(slug="alpha")
    for year in range(LAST - 8, LAST):
        YearlyReport.objects.create(institution=inst, fiscal_year=year, status=YearlyReport.Status.PUBLISHED,
                                    scope1=Decimal(1), scope2=Decimal(1), energy_gj=Decimal(1),
                                    renewable_share=Decimal(1), floor_area=1, headcount=1)
    assert {path: _queries(client, path) for path in paths} == few


def test_visitors_cached_pages_change_when_a_report_is_published(client, settings):
    from working_groups.progress.services import report_review

    settings.PAGE_CACHE_SECONDS = 60
    for n in range(3):
        member(f"pub-{n}", years=(LAST - 1,))
    inst = member("late", years=(LAST - 1,))
    for n in range(3):
        YearlyReport.objects.filter(institution__slug=f"pub-{n}").update(fiscal_year=LAST)
    report = YearlyReport.objects.create(institution=inst, fiscal_year=LAST, status=YearlyReport.Status.SUBMITTED,
                                         scope1=Decimal("4321"), scope2=Decimal("1"), energy_gj=Decimal("1"),
                                         renewable_share=Decimal("1"), floor_area=1, headcount=1)
    assert "4,321" not in client.get("/en/members/late/progress/").content.decode()
    client.get("/en/progress/")
    assert client.get("/en/progress/")["X-Page-Cache"] == "hit"

    report_review(report=report, by=secretariat_user(), publish=True)

    assert "4,321" in client.get("/en/members/late/progress/").content.decode()
    assert "7,321" in client.get("/en/progress/").content.decode()  # 3 × 1000 + 4321 scope 1


def test_progress_lists_institutions_a_page_at_a_time(client):
    from working_groups.progress.views import INSTITUTIONS_PER_PAGE

    for n in range(INSTITUTIONS_PER_PAGE + 2):
        member(f"m-{n:03d}")
    first = client.get("/en/progress/").content.decode()
    second = client.get("/en/progress/?page=2").content.decode()
    assert first.count('href="/en/members/m-') == INSTITUTIONS_PER_PAGE
    assert second.count('href="/en/members/m-') == 2
    assert 'rel="next"' in first
    assert client.get("/en/progress/?page=99").status_code == 404


def test_visitors_figures_and_list_count_are_computed_once_until_a_report_is_published(client):
    """/progress/'s figures (charts and tables) and its list's count are the same for every visitor
    of the same filters: the next visitor's page reads one page of rows and nothing else, and a new
    publication shows at once, in the figures and in the list's pages."""
    from working_groups.progress.views import INSTITUTIONS_PER_PAGE

    for n in range(INSTITUTIONS_PER_PAGE):
        member(f"m-{n:03d}")
    first = client.get("/en/progress/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/en/progress/?utm_source=x").content.decode()
    assert [q["sql"] for q in queries.captured_queries if "COUNT" in q["sql"] or "SUM" in q["sql"]] == []
    assert len(queries.captured_queries) == 1  # the page of rows
    assert "50,000" in first and "50,000" in again and 'rel="next"' not in again  # 50 × 1,000 t of scope 1

    member("zz-new")

    page = client.get("/en/progress/").content.decode()
    assert "51,000" in page and 'rel="next"' in page
    assert "/en/members/zz-new/progress/" in page + client.get("/en/progress/?page=2").content.decode()


def test_filter_fields_rendered_once_per_language_and_values_until_a_group_changes(client):
    """The four filter fields are rendered once per language and values asked for: a second visitor
    does not read the working groups for the list again, and a group added since is offered at once."""
    WorkingGroupFactory(slug="energy", name_ja="エネルギーWG", name_en="Energy WG")
    client.get("/ja/progress/?region=kanto")

    def group_lists(queries):
        return [q for q in queries if 'FROM "working_groups_workinggroup"' in q["sql"] and '"order"' in q["sql"]]

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/ja/progress/?region=kanto").content.decode()
    assert not group_lists(queries.captured_queries)
    assert '<option value="kanto" selected>' in page and "エネルギーWG" in page
    WorkingGroupFactory(slug="water", name_ja="水資源WG", name_en="Water WG")
    assert "水資源WG" in client.get("/ja/progress/?region=kanto").content.decode()
    english = client.get("/en/progress/?region=kanto").content.decode()
    assert "Water WG" in english and '<option value="kanto" selected>' in english
    # each field is kept on its own: a new combination of values already asked for renders nothing
    client.get("/en/progress/?wg=water")
    with CaptureQueriesContext(connection) as queries:
        both = client.get("/en/progress/?region=kanto&wg=water").content.decode()
    # (the chosen group is looked up to filter by it; the list of groups is not read)
    assert not [q for q in group_lists(queries.captured_queries) if '"slug" = ' not in q["sql"]]
    assert '<option value="kanto" selected>' in both and '<option value="water" selected>' in both


def test_on_track_count_and_list_follow_each_report_and_commitment_change(client):
    """/progress/ counts and lists the institutions from each commitment's copy of its latest
    published report: a publication, a changed target path and a deleted report show at once."""
    from working_groups.progress import selectors
    from working_groups.progress.services import commitments_refresh, report_review

    for n in range(2):
        member(f"above-{n}", years=(LAST,), scope1="3000", scope2="3000")  # far above the path
    inst = member("mover", years=(LAST - 1,))  # 3,000 t: above the path (about 2,600 t)
    commitment = Commitment.objects.get(institution=inst)

    def state():
        summary = selectors.progress_overview({}, sees_private=False)
        rows = {c.institution.slug: (c.latest_year, c.latest_emissions, c.on_track)
                for c in selectors.institutions_listed({}, user=AnonymousUser())}
        return summary.reporting, summary.on_track, rows["mover"]

    assert state() == (3, 0, (LAST - 1, Decimal("3000.0"), False))
    report = YearlyReport.objects.create(
        institution=inst, fiscal_year=LAST, status=YearlyReport.Status.SUBMITTED, scope1=Decimal("1000"),
        scope2=Decimal("1000"), energy_gj=Decimal(1), renewable_share=Decimal(40), floor_area=1, headcount=1)
    assert state() == (3, 0, (LAST - 1, Decimal("3000.0"), False))  # not published: not counted
    report_review(report=report, by=secretariat_user(), publish=True)
    assert state() == (3, 1, (LAST, Decimal("2000.0"), True))
    assert json.loads(client.get("/ja/progress/?format=json").content)["targets"]["on_track"] == 1

    commitment.interim_reduction = Decimal("90")  # a steeper path: 2,000 t is above it now
    commitment.save()
    assert state() == (3, 0, (LAST, Decimal("2000.0"), False))
    report.delete()
    assert state() == (3, 0, (LAST - 1, Decimal("3000.0"), False))
    assert commitments_refresh() == 0  # nothing was left stale


@pytest.mark.parametrize("sees_private", [False, True])
def test_totals_added_up_from_cells_equal_a_group_by_of_the_filtered_reports(sees_private):
    """The totals of every filter are added up from cached cells (selectors._year_cells): they must be
    what the database sums for the filtered reports, members-only ones, scope 3 and groups included."""
    from working_groups.progress import selectors

    campus, energy = WorkingGroupFactory(slug="campus"), WorkingGroupFactory(slug="energy")
    kinds = [Institution.Kind.NATIONAL_UNIVERSITY, Institution.Kind.PRIVATE_UNIVERSITY]
    for n in range(12):
        inst = member(f"m-{n}", prefecture=("13", "14", "20", "27")[n % 4], kind=kinds[n % 2],
                      visibility=MEMBERS if n % 3 == 0 else PUBLIC, years=(LAST - 1, LAST),
                      scope1=str(1000 + 37 * n), scope2=str(2000 + 11 * n), scope3="500.5" if n % 5 == 0 else None)
        for group in (campus, energy)[: n % 3]:
            Participation.objects.create(group=group, institution=inst, status=Participation.Status.ACTIVE)

    def reference(filters, **by):
        rows = selectors.published_reports(filters).filter(**by).values("fiscal_year").annotate(
            **selectors._aggregates()).order_by("fiscal_year")
        return [selectors._totals(row["fiscal_year"], row) for row in rows]

    def figures(totals):
        return [(t.institutions, t.private, t.scope1, t.scope2, t.scope3, t.scope3_reported, t.energy, t.floor_area,
                 t.headcount, t.renewable_weighted) for t in totals]

    for filters in ({}, {"region": "kanto"}, {"prefecture": "27"}, {"kind": kinds[1]}, {"wg": campus},
                    {"region": "kanto", "kind": kinds[0], "wg": energy}, {"region": "kinki", "prefecture": "13"}):
        assert figures(selectors.totals_by_year(filters, sees_private=sees_private)) == figures(reference(filters))
        parts = selectors.breakdowns(filters, LAST, sees_private=sees_private)
        assert filters or (parts["region"] and parts["kind"] and parts["wg"])
        for total in parts["region"]:
            codes = REGIONS_BY_SLUG[total.key].codes
            assert figures([total]) == figures(reference(filters, fiscal_year=LAST, institution__prefecture__in=codes))
        for total in parts["kind"]:
            assert figures([total]) == figures(reference(filters, fiscal_year=LAST, institution__kind=total.key))
        for total in parts["wg"]:
            group = campus if total.key == "campus" else energy
            assert figures([total]) == figures(reference(
                filters, fiscal_year=LAST, institution__in=Participation.objects.filter(group=group).values(
                    "institution_id")))


def test_overview_and_list_count_added_up_from_cells_equal_the_commitments_counted():
    """The overview (committed, reporting, on track) and the list's count of every filter are added
    up from cached cells (selectors._commitment_cells): they must be what counting the filtered
    commitments gives, for visitors and members, with members-only, suspended and uncommitted
    institutions and groups among them."""
    from working_groups.progress import selectors

    campus, energy = WorkingGroupFactory(slug="campus"), WorkingGroupFactory(slug="energy")
    kinds = [Institution.Kind.NATIONAL_UNIVERSITY, Institution.Kind.PRIVATE_UNIVERSITY]
    for n in range(14):
        inst = member(f"m-{n}", prefecture=("13", "14", "20", "27")[n % 4], kind=kinds[n % 2],
                      visibility=MEMBERS if n % 3 == 0 else PUBLIC, years=() if n % 5 == 0 else (LAST,),
                      scope1=str(500 + 300 * n))
        for group in (campus, energy)[: n % 3]:
            Participation.objects.create(group=group, institution=inst, status=Participation.Status.ACTIVE)
    InstitutionFactory(slug="uncommitted", prefecture="13")
    Institution.objects.filter(slug="m-4").update(status=Institution.Status.SUSPENDED)
    bump(*NAMESPACES, "progress")
    staff = staff_of(Institution.objects.get(slug="m-1"))

    for filters in ({}, {"region": "kanto"}, {"prefecture": "27"}, {"kind": kinds[1]}, {"wg": campus},
                    {"region": "kanto", "kind": kinds[0], "wg": energy}, {"region": "kinki", "prefecture": "13"}):
        commitments = selectors.commitments_filtered(filters)
        reporting = commitments.filter(latest_year__isnull=False)
        for sees_private in (False, True):
            summary = selectors.progress_overview(filters, sees_private=sees_private)
            assert (summary.committed, summary.reporting, summary.on_track) == (
                commitments.count(), reporting.count(), reporting.filter(on_track=True).count()), filters
        for user in (AnonymousUser(), staff):
            assert selectors.listed_count(filters, user=user) == selectors.institutions_listed(
                filters, user=user).count(), (filters, user)
    assert selectors.listed_count({}, user=AnonymousUser()) < selectors.listed_count({}, user=staff)
