"""A staff member joins a theme group (a coordinator approves from the e-mail), writes an initiative in
Japanese with a cover image, publishes it, and a visitor finds it by search and by group, in Japanese
and in English."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from members.models import Affiliation
from tests.browser.conftest import set_timeouts
from tests.factories import PASSWORD, InstitutionFactory, WorkingGroupFactory, staff_of
from working_groups.models import Initiative, Membership
from working_groups.services import refresh_derived

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_EMAIL = "tanaka@hokuriku-kogyo.ac.jp"
STAFF_NAME = "田中 美咲"
COORDINATOR_EMAIL = "sato@chubu-kankyo.ac.jp"
COORDINATOR_NAME = "佐藤 健"
JOIN_MESSAGE = "小水力発電の事例を共有したいと考えています。"

TITLE = "農業用水路を活かした小水力発電所の運用"
SUMMARY = "キャンパス近くの農業用水路に小水力発電所を設け、地域と共同で運用しています。"
BODY = """## 発電所の概要

Microhydro の技術を用いて、落差の小さい水路でも発電できるようにしました。

- 最大出力 49 kW
- 土地改良区と共同で維持管理
"""
COVER_ALT = "水路の脇に建つ小水力発電所の建屋"


@pytest.fixture
def new_page(browser, browser_context_args):
    """Pages in browser contexts of their own (separate cookies: another person at another desk)."""
    contexts = []

    def make():
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        set_timeouts(page)
        return page

    yield make
    for context in contexts:
        context.close()


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def sign_in(page, email, *, lands_on="ダッシュボード"):
    expect(page).to_have_url(re.compile(r"/ja/accounts/login/"))
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)


def cover_png(tmp_path):
    path = tmp_path / "suiro.png"
    Image.new("RGB", (120, 80), (40, 120, 200)).save(path, "PNG")
    return path


# The image's width once it has loaded: visible is not loaded (the <img> has its box before the file
# arrives, sooner when the machine is busy), and reading naturalWidth then gave 0. Wait for the load
# event (or fail on the error event: a broken cover is a real failure), within the test's timeout.
WIDTH_ONCE_LOADED = """img => img.complete ? img.naturalWidth : new Promise((resolve, reject) => {
    img.addEventListener("load", () => resolve(img.naturalWidth), {once: true});
    img.addEventListener("error", () => reject(new Error(`the image did not load: ${img.src}`)), {once: true});
    setTimeout(() => reject(new Error(`the image did not load within 10 s: ${img.src}`)), 10000);
})"""


def loaded_width(image) -> int:
    return image.evaluate(WIDTH_ONCE_LOADED)


def write_initiative(page, group, cover):
    page.get_by_role("link", name="取組事例を共有する").click()
    expect(page).to_have_url(re.compile(r"/ja/initiatives/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("取組事例を共有する")
    expect(page.get_by_role("radio", name="日本語")).to_be_checked()
    page.get_by_label(re.compile(r"^タイトル")).fill(TITLE)
    page.get_by_label(re.compile(r"^概要")).fill(SUMMARY)
    page.get_by_label(re.compile(r"^本文")).fill(BODY)
    page.get_by_label(group.name_ja).check()
    page.get_by_label("開始日").fill("2023-04-01")
    page.get_by_label("表紙画像").set_input_files(cover)
    page.get_by_label("画像の説明").fill(COVER_ALT)
    page.get_by_role("button", name="保存").click()


def search(page, query, *, search_label, button):
    filters = page.get_by_role("main").get_by_role("search")  # the list's filters, not the header's site search
    filters.get_by_label(search_label).fill(query)
    filters.get_by_role("button", name=button).click()


def expect_only_the_initiative(page, count_text):
    expect(page.get_by_role("heading", name=count_text)).to_be_visible()
    results = page.get_by_role("region", name=count_text)
    expect(results.get_by_role("heading", level=3)).to_have_count(1)
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()


def test_staff_joins_a_group_publishes_an_initiative_and_a_visitor_finds_it(
    site, page, new_page, live_server, settings, tmp_path
):
    # Links in the portal's own e-mails point at the live server, so the journey can follow them.
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"

    # 1. Two members, a theme group coordinated by one of them, a person at each.
    member = InstitutionFactory(name_ja="北陸工業大学", name_en="Hokuriku Institute of Technology", prefecture="16")
    coordinating = InstitutionFactory(name_ja="中部環境大学", name_en="Chubu Environmental University")
    group = WorkingGroupFactory(
        name_ja="地域エネルギーWG", name_en="Regional Energy WG", coordinators=[coordinating], is_open=False
    )
    other_group = WorkingGroupFactory(name_ja="省エネルギーWG", name_en="Energy Saving WG")
    staff_of(member, email=STAFF_EMAIL, name=STAFF_NAME, language="ja")
    coordinator = staff_of(
        coordinating, Affiliation.Role.STAFF, email=COORDINATOR_EMAIL, name=COORDINATOR_NAME, language="ja"
    )
    Membership.objects.create(group=group, user=coordinator, institution=coordinating, status=Membership.Status.ACTIVE,
                              coordinator=True)
    # Another member's published initiative, in another group, that none of the searches should find.
    other = Initiative(
        institution=coordinating,
        author=coordinator,
        slug="led-lighting",
        title="キャンパス照明のLED化",
        summary="全学の照明をLEDに更新しました。",
        body="照明の更新と省エネルギー。",
        prefecture="23",
        started_on=datetime.date(2022, 4, 1),
        status=Initiative.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    refresh_derived(other)
    other.save()
    other.themes.add(other_group)

    # 2. The staff member signs in and asks to join the group.
    site.open("/ja/accounts/login/")
    sign_in(page, STAFF_EMAIL)
    site.open(f"/ja/working-groups/{group.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("地域エネルギーWG")
    take_part = page.get_by_role("region", name="参加する")
    expect(take_part).to_contain_text("幹事機関が申請を承認します。")
    take_part.get_by_label("幹事機関へのメッセージ").fill(JOIN_MESSAGE)
    take_part.get_by_role("button", name="参加を申請する").click()
    expect(page).to_have_url(re.compile(rf"/ja/working-groups/{group.slug}/$"))
    expect(page.get_by_role("status")).to_have_text("地域エネルギーWGの幹事機関に申請を送りました。")
    expect(take_part).to_contain_text("参加申請は幹事機関の承認待ちです。")

    requests = mails_to(COORDINATOR_EMAIL)
    assert len(requests) == 1
    assert requests[0].subject == f"{STAFF_NAME}さんから地域エネルギーWGへの参加申請があります"
    assert f"北陸工業大学の{STAFF_NAME}さんから地域エネルギーWGへの参加申請がありました。" in requests[0].body
    assert JOIN_MESSAGE in requests[0].body
    manage_url = f"{live_server.url}/ja/working-groups/{group.slug}/manage/"
    assert manage_url in requests[0].body
    assert not mails_to(STAFF_EMAIL)

    # 3. The coordinator follows the link, signs in on the way, and approves.
    coordinator_page = new_page()
    coordinator_page.goto(manage_url)
    sign_in(coordinator_page, COORDINATOR_EMAIL, lands_on="地域エネルギーWGの運営")
    expect(coordinator_page).to_have_url(manage_url)
    pending = (
        coordinator_page.get_by_role("region", name="判断待ちの申請").get_by_role("article").filter(has_text=STAFF_NAME)
    )
    expect(pending.get_by_role("heading", level=3)).to_have_text(f"{STAFF_NAME} 北陸工業大学")
    expect(pending.locator("blockquote")).to_have_text(JOIN_MESSAGE)
    pending.get_by_role("button", name="承認する").click()
    expect(coordinator_page.get_by_role("status")).to_have_text("承認しました。")
    expect(coordinator_page.get_by_text("判断待ちの申請はありません。")).to_be_visible()
    expect(coordinator_page.get_by_role("table")).to_contain_text(STAFF_NAME)

    decisions = mails_to(STAFF_EMAIL)
    assert len(decisions) == 1
    assert decisions[0].subject == "地域エネルギーWGのメンバーになりました"
    assert "北陸工業大学として地域エネルギーWGのメンバーになりました。" in decisions[0].body

    page.reload()
    expect(take_part).to_contain_text("あなたはこのワーキンググループのメンバーです。")

    # 4. The staff member writes the initiative, saves a draft, and publishes it.
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="取組事例").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("取組事例")
    write_initiative(page, group, cover_png(tmp_path))
    expect(page.get_by_role("status")).to_have_text("下書きを保存しました。準備ができたら公開してください。")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("下書きです。作成者、所属機関の事務担当者、事務局だけが閲覧できます。")).to_be_visible()
    initiative = Initiative.objects.get(title=TITLE)
    assert initiative.status == Initiative.Status.DRAFT
    detail_url = f"{live_server.url}/ja/initiatives/{initiative.slug}/"
    expect(page).to_have_url(detail_url)

    page.get_by_role("button", name="公開する").click()
    expect(page).to_have_url(detail_url)
    expect(page.get_by_role("status")).to_have_text("取組事例を公開しました。")
    expect(page.get_by_text("下書きです。")).to_have_count(0)
    expect(page.get_by_role("button", name="公開する")).to_have_count(0)
    article = page.get_by_role("article")
    cover = article.get_by_role("img", name=COVER_ALT)
    expect(cover).to_be_visible()
    assert loaded_width(cover) == 120
    expect(article.get_by_role("heading", level=2, name="発電所の概要")).to_be_visible()
    expect(article.get_by_role("listitem").filter(has_text="土地改良区と共同で維持管理")).to_be_visible()
    expect(article.get_by_text(SUMMARY)).to_be_visible()
    facts = page.get_by_role("complementary", name="概要")
    expect(facts.get_by_role("link", name="地域エネルギーWG")).to_be_visible()
    expect(facts).to_contain_text("富山県")

    # 5. A visitor finds it: by a fragment of a Japanese compound (no spaces), by a Latin word, by group.
    visitor = new_page()
    visitor.goto(f"{live_server.url}/ja/initiatives/")
    expect(visitor.get_by_role("link", name="ログイン")).to_be_visible()
    expect(visitor.get_by_role("heading", name="2件の取組事例")).to_be_visible()

    search(visitor, "小水力", search_label="検索", button="表示")
    expect(visitor).to_have_url(re.compile(r"/ja/initiatives/\?.*q=%E5%B0%8F%E6%B0%B4%E5%8A%9B"))
    expect_only_the_initiative(visitor, "1件の取組事例")

    search(visitor, "水力発電", search_label="検索", button="表示")
    expect_only_the_initiative(visitor, "1件の取組事例")

    search(visitor, "Microhydro", search_label="検索", button="表示")
    expect_only_the_initiative(visitor, "1件の取組事例")

    visitor.goto(f"{live_server.url}/ja/initiatives/")
    visitor.get_by_label("ワーキンググループ").select_option(label="地域エネルギーWG (1)")
    expect(visitor).to_have_url(re.compile(rf"[?&]wg={group.slug}(&|$)"))
    expect_only_the_initiative(visitor, "1件の取組事例")

    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(detail_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_role("img", name=COVER_ALT)).to_be_visible()
    expect(visitor.get_by_role("button", name="公開する")).to_have_count(0)
    expect(visitor.get_by_role("link", name="編集")).to_have_count(0)

    # ... and in English: the same search and filter, the Japanese title (there is no translation).
    visitor.goto(f"{live_server.url}/en/initiatives/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Initiatives")
    expect(visitor.get_by_role("heading", name="2 initiatives")).to_be_visible()
    search(visitor, "水力発電", search_label="Search", button="Show")
    expect_only_the_initiative(visitor, "1 initiative")
    search(visitor, "microhydro", search_label="Search", button="Show")
    expect_only_the_initiative(visitor, "1 initiative")

    visitor.goto(f"{live_server.url}/en/initiatives/")
    visitor.get_by_label("Working group").select_option(label="Regional Energy WG (1)")
    expect(visitor).to_have_url(re.compile(rf"/en/initiatives/\?.*wg={group.slug}(&|$)"))
    expect_only_the_initiative(visitor, "1 initiative")
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(f"{live_server.url}/en/initiatives/{initiative.slug}/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(
        visitor.get_by_role("complementary", name="At a glance").get_by_role("link", name="Regional Energy WG")
    ).to_be_visible()
