"""The site's search as a visitor uses it: a word typed into the header's box, the results with a
count per kind and the matches marked, a click on another kind's tab; at 1280 and 390 px, in both
languages, with no serious or critical accessibility violation on the results."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.factories import InstitutionFactory, MeetingFactory, WorkingGroupFactory
from working_groups.models import Initiative
from working_groups.services import refresh_derived

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()


@pytest.fixture
def portal():
    member = InstitutionFactory(name_ja="北陸工業大学", name_en="Hokuriku Institute of Technology", prefecture="16")
    group = WorkingGroupFactory(slug="regional-energy", name_ja="地域エネルギーWG", name_en="Regional Energy WG")
    for slug, title, visibility in (("microhydro", "農業用水路を活かした小水力発電所の運用", "public"),
                                    ("microhydro-members", "小水力発電の会員向け運用データ", "members")):
        initiative = Initiative(
            institution=member, slug=slug, title=title, summary="農業用水路に小水力発電所を設けました。",
            title_translated="Small hydropower on farm canals" if visibility == "public" else "",
            body="本文", prefecture="16", started_on=datetime.date(2023, 4, 1), visibility=visibility,
            status=Initiative.Status.PUBLISHED, published_at=timezone.now())
        refresh_derived(initiative)
        initiative.save()
        initiative.themes.add(group)
    MeetingFactory(group=group, title_ja="小水力発電の見学会", title_en="Small hydropower site visit",
                   visibility=Meeting.Visibility.PUBLIC)
    return member


def blocking_violations(page) -> list[str]:
    results = AXE.run(page).response
    return [f"{r['id']} ({r['impact']}): {r['help']} at {r['nodes'][0]['target']}"
            for r in results["violations"] if r["impact"] in {"serious", "critical"}]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_visitor_searches_from_the_header_and_opens_another_kind(site, page, portal, width):
    page.set_viewport_size({"width": width, "height": 900})
    site.open("/ja/")
    box = page.get_by_role("search", name="サイト内検索").get_by_label("サイト内検索")
    expect(box).to_be_visible()
    box.fill("水力")
    box.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("「水力」の検索結果")
    assert page.title().startswith("検索：「水力」")
    expect(page.locator("#site-search-q")).to_have_value("水力")  # the query stays in the boxes
    expect(page.locator("#id_q")).to_have_value("水力")
    tabs = page.get_by_role("navigation", name="検索結果の種類")
    # a visitor: the public initiative only (the members-only one is neither counted nor listed)
    expect(tabs.get_by_role("link", name="取組事例 1")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="会議・イベント 1")).to_be_visible()
    expect(tabs.get_by_role("link", name="会員機関 0")).to_be_visible()
    results = page.locator(".search-result")
    expect(results).to_have_count(1)
    expect(results.first.get_by_role("link")).to_have_text("農業用水路を活かした小水力発電所の運用")
    expect(results.first.locator("h3 mark")).to_have_text("水力")
    assert blocking_violations(page) == []

    tabs.get_by_role("link", name="会議・イベント 1").click()
    expect(tabs.get_by_role("link", name="会議・イベント 1")).to_have_attribute("aria-current", "page")
    expect(page.locator(".search-result h3 a")).to_have_text("小水力発電の見学会")
    assert "kind=meetings" in page.url
    page.locator(".search-result h3 a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("小水力発電の見学会")


def test_the_english_results_and_their_errors(site, page, portal):
    site.open("/en/")
    box = page.get_by_role("search", name="Search the site").get_by_label("Search the site")
    box.fill("hydropower")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “hydropower”")
    tabs = page.get_by_role("navigation", name="Kinds of results")
    expect(tabs.get_by_role("link", name="Initiatives 1")).to_have_attribute("aria-current", "page")
    expect(page.locator(".search-result h3 mark")).to_have_text("hydropower")
    assert blocking_violations(page) == []

    site.open("/en/search/?q=hydropower&kind=people")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("There is no such kind of result")
    expect(summary).to_be_focused()
    expect(page.locator(".search-result")).to_have_count(0)
    assert blocking_violations(page) == []

    site.open("/en/search/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search the site")
    expect(page.locator(".callout")).to_contain_text("Japanese words of one or two characters work too")
    assert blocking_violations(page) == []
