"""The top menu at 390 px and at 1280 px, in both languages: one row tall, the less used sections
grouped under "More" on wide screens and every section behind "Menu" on narrow ones, both buttons
disclosure buttons a keyboard opens and Escape closes (aria-expanded tells which). Without
JavaScript every entry is listed. (Since the second-wave sections the menu was three rows tall at
390 px and wrapped at 1280 px.)"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from members.models import Affiliation
from tests.factories import InstitutionFactory, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_ROW = 60  # px: a menu row is about 47 px tall


def sign_in(page, client, live_server, user):
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def menu_height(page) -> float:
    return page.evaluate("document.querySelector('nav.main-nav').getBoundingClientRect().height")


def tab_to(page, name: str, limit: int = 40):
    """Press Tab until the focused element is the one whose text is ``name`` (as a keyboard user does)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name!r} is not reached with the Tab key")


@pytest.fixture
def staff():
    return staff_of(InstitutionFactory(), Affiliation.Role.CONTACT, name="田中 美咲")


def test_menu_at_390_px_is_one_row_and_opens_with_the_keyboard(site, page, client, live_server, staff):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, client, live_server, staff)
    site.open("/ja/")
    nav = page.get_by_role("navigation", name="メイン")
    menu = nav.get_by_role("button", name="メニュー")

    assert menu_height(page) < ONE_ROW
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="会員機関")).to_be_hidden()
    expect(nav.get_by_role("link", name="マイページ")).to_be_visible()

    tab_to(page, "メニュー")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in ("会員機関", "ワーキンググループ", "取組事例", "地域・企業連携", "会議・イベント", "進捗", "総会",
                 "お知らせ", "コアリションについて"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    tab_to(page, "お知らせ")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/ja/news/")

    tab_to(page, "メニュー")
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="お知らせ")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="お知らせ")).to_be_hidden()
    assert page.evaluate("document.activeElement.textContent.trim()") == "メニュー"


def test_menu_at_390_px_in_english_for_a_visitor(site, page):
    page.set_viewport_size({"width": 390, "height": 844})
    site.open("/en/")
    nav = page.get_by_role("navigation", name="Main")

    assert menu_height(page) < ONE_ROW
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    nav.get_by_role("button", name="Menu").click()
    nav.get_by_role("link", name="General meeting").click()
    expect(page).to_have_url(f"{site.url}/en/general-meeting/")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_menu_at_1280_px_is_one_row_with_more_sections_behind_a_button(site, page, client, live_server, staff,
                                                                      language):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, client, live_server, staff)
    site.open(f"/{language}/news/")
    names = {"ja": ("メイン", "その他", "総会", "会議・イベント"),
             "en": ("Main", "More", "General meeting", "Meetings")}
    main, more_name, general_meeting, meetings = names[language]
    nav = page.get_by_role("navigation", name=main)
    more = nav.get_by_role("button", name=more_name)

    assert menu_height(page) < ONE_ROW
    expect(nav.get_by_role("link", name=meetings)).to_be_visible()
    expect(nav.get_by_role("link", name=general_meeting)).to_be_hidden()
    expect(page.locator(".nav-more")).to_have_class("nav-more has-current")  # the open page is under "More"

    tab_to(page, more_name)
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    tab_to(page, general_meeting)
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name=general_meeting)).to_be_hidden()
    assert page.evaluate("document.activeElement.textContent.trim()") == more_name

    page.keyboard.press("Space")
    expect(more).to_have_attribute("aria-expanded", "true")
    page.mouse.click(20, 700)  # a click elsewhere on the page closes it
    expect(more).to_have_attribute("aria-expanded", "false")


def test_without_javascript_every_section_is_listed(live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/ja/")
    nav = page.get_by_role("navigation", name="メイン")

    expect(nav.get_by_role("button", name="メニュー")).to_be_hidden()
    expect(nav.get_by_role("button", name="その他")).to_be_hidden()
    for name in ("会員機関", "会議・イベント", "総会", "お知らせ", "ログイン"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    context.close()
