"""A coordinator signs in, lands on their own home, sees what waits for them (counted in the top
menu), follows an item to where it is decided, decides it, and the count goes down; at 390 px the
home still reads. axe: no serious or critical violation with items listed, in both languages."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from members.models import Affiliation
from tests.factories import PASSWORD, InstitutionFactory, WorkingGroupFactory, coordinator_of, staff_of
from working_groups.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}


@pytest.fixture
def world():
    coordinating = InstitutionFactory(name_ja="信州テスト大学", name_en="Shinshu Test University")
    group = WorkingGroupFactory(slug="regional", name_ja="地域ゼロカーボンWG", name_en="Regional Zero Carbon WG",
                                coordinators=[coordinating])
    coordinator = coordinator_of(group, coordinating, role=Affiliation.Role.CONTACT, name="小林 美咲",
                                 email="kobayashi@shinshu.example")
    other = InstitutionFactory(name_ja="北海テスト大学", name_en="Hokkai Test University")
    asker = staff_of(other, name="佐藤 一郎")
    Membership.objects.create(group=group, user=asker, institution=other, status=Membership.Status.PENDING)
    return {"coordinator": coordinator, "asker": asker}


def sign_in(site, page, email):
    site.open("/ja/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def blocking_violations(page):
    results = Axe().run(page).response
    return [f"{r['id']} ({r['impact']}): {r['help']} at {r['nodes'][0]['target']}"
            for r in results["violations"] if r["impact"] in BLOCKING]


def test_coordinator_lands_on_own_home_follows_a_request_and_the_count_goes_down(site, page, world):
    sign_in(site, page, "kobayashi@shinshu.example")
    expect(page).to_have_url(re.compile(r"/ja/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ダッシュボード")
    nav = page.get_by_role("navigation", name="メイン")
    expect(nav.get_by_role("link", name="ダッシュボード （1件があなたを待っています）")).to_be_visible()
    expect(page.get_by_role("link", name="入会を申し込む")).to_have_count(0)
    assert blocking_violations(page) == []

    request = "佐藤 一郎さん（北海テスト大学）が地域ゼロカーボンWGへの参加を申請しています。"
    page.get_by_role("link", name=request).click()
    expect(page).to_have_url(re.compile(r"/ja/working-groups/regional/manage/$"))
    page.get_by_role("button", name="承認").first.click()
    expect(nav.get_by_role("link", name="ダッシュボード")).to_be_visible()
    expect(page.locator(".nav-count")).to_have_count(0)

    page.goto(site.url + "/ja/")
    expect(page.get_by_text("判断や回答を待っているものはありません。", exact=False)).to_be_visible()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_signed_in_home_at_390px_has_no_serious_violation(site, page, world, language):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(site, page, "kobayashi@shinshu.example")
    page.goto(f"{site.url}/{language}/")
    heading = {"ja": "ダッシュボード", "en": "Dashboard"}[language]
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    # the desk's first card starts on the first screen
    box = page.locator(".desk-card").first.bounding_box()
    assert box is not None and box["y"] < 844
    assert blocking_violations(page) == []
