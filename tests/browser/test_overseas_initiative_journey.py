"""An initiative written in Japanese with its English version, posted and published by a member of
staff through the form; an overseas visitor reading /en/ gets the English text marked lang="en",
switches to Japanese and back on the same page, and meets a Japanese-only initiative with the
fallback note and lang="ja" on its text."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import set_timeouts
from tests.browser.test_accessibility import sign_in
from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from working_groups.models import Initiative
from working_groups.services import refresh_derived

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE_JA = "学生寮の屋根に太陽光と蓄電池"
TITLE_EN = "Solar panels and batteries on the student halls"
BODY_EN = "## The system\n\nThe halls now produce a third of the electricity they use."
OUTCOMES_JA = "夏季の昼間の買電量が4割減った。"


@pytest.fixture
def visitor_page(browser, browser_context_args):
    """The overseas visitor's own browser (no cookie of the member's)."""
    context = browser.new_context(**browser_context_args)
    page = set_timeouts(context.new_page())
    yield page
    context.close()


def test_an_overseas_visitor_reads_the_english_text_and_switches_language_on_the_same_page(
        site, page, visitor_page, client, live_server):
    member = InstitutionFactory(name_ja="東雲大学", name_en="Shinonome University", prefecture="16")
    group = WorkingGroupFactory(slug="campus", name_ja="ゼロカーボン・キャンパスWG", name_en="Zero Carbon Campus WG")
    staff = staff_of(member, email="okabe@shinonome.example.ac.jp", name="岡部 真理子")
    untranslated = Initiative(
        institution=member, author=staff, slug="rainwater-for-toilets", title="雨水を使ったトイレ洗浄",
        summary="新校舎で雨水を貯めて使っています。", body="日本語だけの本文です。", prefecture="16",
        started_on=datetime.date(2024, 4, 1), status=Initiative.Status.PUBLISHED, published_at=timezone.now())
    refresh_derived(untranslated)
    untranslated.save()
    untranslated.themes.add(group)

    # 1. The member of staff writes the initiative in Japanese with its English version, and publishes it.
    sign_in(page, client, live_server, staff)
    site.open("/ja/initiatives/new/")
    page.locator("[name=title]").fill(TITLE_JA)
    page.locator("[name=summary]").fill("寮の屋根に太陽光パネルと蓄電池を設けました。")
    page.locator("[name=body]").fill("## 設備\n\n寮で使う電気の3分の1を自家発電しています。")
    page.locator("[name=title_translated]").fill(TITLE_EN)
    page.locator("[name=summary_translated]").fill("Solar panels and batteries on the roofs of the halls.")
    page.locator("[name=body_translated]").fill(BODY_EN)
    page.locator("[name=outcomes]").fill(OUTCOMES_JA)  # not translated: English pages mark it lang="ja"
    page.get_by_label(group.name_ja).check()
    page.get_by_label("開始日").fill("2025-04-01")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="公開する").click()
    initiative = Initiative.objects.get(title=TITLE_JA)
    assert initiative.status == Initiative.Status.PUBLISHED

    # 2. The overseas visitor finds it in English and reads the English text.
    visitor_page.goto(f"{site.url}/en/initiatives/")
    expect(visitor_page.locator("html")).to_have_attribute("lang", "en")
    visitor_page.get_by_role("link", name=TITLE_EN).click()
    path = f"/initiatives/{initiative.slug}/"
    expect(visitor_page).to_have_url(f"{site.url}/en{path}")
    expect(visitor_page.get_by_role("heading", level=2, name="The system")).to_be_visible()
    expect(visitor_page.locator("article > .prose").first).to_have_attribute("lang", "en")
    expect(visitor_page.locator("article > .prose").first).to_contain_text("a third of the electricity")
    expect(visitor_page.locator(".fallback-note")).to_have_count(0)
    outcomes = visitor_page.locator("#outcomes-title + .prose, section[aria-labelledby=outcomes-title] .prose")
    expect(outcomes).to_have_attribute("lang", "ja")
    expect(outcomes).to_contain_text(OUTCOMES_JA)

    # 3. The language switcher keeps the page, both ways.
    switcher = visitor_page.get_by_role("navigation", name="Language")
    switcher.get_by_role("link").click()
    expect(visitor_page).to_have_url(f"{site.url}/ja{path}")
    expect(visitor_page.locator("html")).to_have_attribute("lang", "ja")
    expect(visitor_page.get_by_role("heading", level=1)).to_have_text(TITLE_JA)
    visitor_page.get_by_role("navigation", name="言語").get_by_role("link").click()
    expect(visitor_page).to_have_url(f"{site.url}/en{path}")
    expect(visitor_page.locator("html")).to_have_attribute("lang", "en")

    # 4. A text without English: shown in Japanese, said so, and marked lang="ja".
    visitor_page.goto(f"{site.url}/en/initiatives/{untranslated.slug}/")
    expect(visitor_page.locator(".fallback-note")).to_have_text("This content is available in Japanese only.")
    expect(visitor_page.locator("article")).to_have_attribute("lang", "ja")
    expect(visitor_page.locator("article .prose").first).to_contain_text("日本語だけの本文です。")
