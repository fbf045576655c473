"""Writing in a real browser: the Markdown toolbar inserts Markdown, the preview shows what the page
will show (sanitised), the institution picker finds a partner by part of its Japanese name and the
form saves it; at 390 px the filters fold away so that the results start on the first screen.
Each page passes axe with no serious or critical violation, with the widgets open."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import set_timeouts
from tests.browser.test_accessibility import BLOCKING, describe, sign_in
from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from working_groups.models import Initiative

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()


def assert_accessible(page, what):
    results = AXE.run(page).response
    blocking = [r for r in results["violations"] if r["impact"] in BLOCKING]
    assert not blocking, f"{what}: " + "\n".join(describe(r) for r in blocking)


@pytest.fixture
def writer():
    home = InstitutionFactory(name_ja="北陸工業大学", name_en="Hokuriku Institute of Technology", prefecture="16")
    InstitutionFactory(name_ja="信州大学", name_en="Shinshu University", name_kana="しんしゅうだいがく",
                       prefecture="20")
    InstitutionFactory(name_ja="信州環境研究所", name_en="Shinshu Environment Institute",
                       name_kana="しんしゅうかんきょうけんきゅうじょ", prefecture="20", status="withdrawn")
    group = WorkingGroupFactory(name_ja="地域エネルギーWG", name_en="Regional Energy WG")
    return staff_of(home, name="田中 美咲"), group


def test_toolbar_preview_and_picker_write_an_initiative(site, page, client, live_server, writer):
    staff, group = writer
    sign_in(page, client, live_server, staff)
    site.open("/ja/initiatives/new/")
    body = page.get_by_role("textbox", name="本文（必須）")
    editor = page.locator(".md-editor", has=page.locator("#id_body"))
    toolbar = editor.get_by_role("toolbar", name="書式")

    # the toolbar: a heading on the current line, bold around the selected word, a link
    body.fill("概要")
    toolbar.get_by_role("button", name="見出し").click()
    expect(body).to_have_value("## 概要")
    body.press("End")
    body.press("Enter")
    body.press("Enter")
    body.press_sequentially("水力")
    body.press("Shift+ArrowLeft")
    body.press("Shift+ArrowLeft")
    toolbar.get_by_role("button", name="太字").click()
    expect(body).to_have_value("## 概要\n\n**水力**")
    # keyboard: the toolbar is one tab stop, the arrow keys move along it
    toolbar.get_by_role("button", name="太字").focus()
    page.keyboard.press("ArrowRight")
    expect(toolbar.get_by_role("button", name="斜体")).to_be_focused()
    body.press("End")
    body.press_sequentially('\n\n<script>window.pwned = 1</script>\n\n[危険](javascript:alert(1)) ')
    body.press("Control+k")
    page.keyboard.type("https://example.org/zeb")
    expect(body).to_have_value(
        "## 概要\n\n**水力**\n\n<script>window.pwned = 1</script>\n\n[危険](javascript:alert(1)) "
        "[リンクの文字](https://example.org/zeb)")

    # the preview: rendered by the server's sanitiser, no script, no javascript: link
    editor.get_by_role("tab", name="プレビュー").click()
    preview = editor.get_by_role("tabpanel", name="プレビュー")
    expect(preview.get_by_role("heading", level=2)).to_have_text("概要")
    expect(preview.locator("strong")).to_have_text("水力")
    expect(preview.get_by_role("link", name="リンクの文字")).to_have_attribute("href", "https://example.org/zeb")
    assert preview.locator("script").count() == 0
    assert preview.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("window.pwned") is None
    expect(page.locator("#id_body")).to_be_hidden()
    assert_accessible(page, "the initiative form with its preview open")
    editor.get_by_role("tab", name="編集").click()
    expect(body).to_be_visible()

    # the picker: part of the Japanese name, arrow key, Enter; a withdrawn institution is not offered
    picker = page.get_by_role("combobox", name="連携する会員機関")
    picker.fill("信州")
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option")).to_contain_text("信州大学")
    expect(picker).to_have_attribute("aria-expanded", "true")
    picker.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    picker.press("Enter")
    expect(page.get_by_role("button", name="信州大学を外す")).to_be_visible()
    expect(picker).to_have_attribute("aria-expanded", "false")
    assert_accessible(page, "the initiative form with an institution picked")

    page.get_by_label(re.compile(r"^タイトル")).fill("農業用水路の小水力発電")
    page.get_by_label(re.compile(r"^概要")).fill("水路に小水力発電所を設けました。")
    page.get_by_label(group.name_ja).check()
    page.get_by_label("開始日").fill("2023-04-01")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#error-summary")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("農業用水路の小水力発電")
    initiative = Initiative.objects.get(title="農業用水路の小水力発電")
    assert [i.name_ja for i in initiative.partner_institutions.all()] == ["信州大学"]
    assert initiative.body.replace("\r\n", "\n").startswith("## 概要\n\n**水力**")
    assert "<script" not in initiative.body_html and "javascript:" not in initiative.body_html


def test_without_javascript_the_plain_textarea_and_select_work(browser, browser_context_args, live_server, client,
                                                               writer):
    staff, _group = writer
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = set_timeouts(context.new_page())
    sign_in(page, client, live_server, staff)
    page.goto(live_server.url + "/ja/initiatives/new/")
    expect(page.get_by_role("textbox", name="本文（必須）")).to_be_visible()
    expect(page.get_by_role("toolbar")).to_have_count(0)  # hidden: no button that would do nothing
    expect(page.get_by_role("listbox", name="連携する会員機関")).to_be_visible()  # the plain multiple select
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_filters_fold_at_390_px_and_results_start_on_the_first_screen(site, page, language):
    for n in range(3):
        InstitutionFactory(name_ja=f"地域大学{n}", name_en=f"Regional University {n}", prefecture="20")
    label = {"ja": "絞り込み", "en": "Filters"}[language]
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/members/", "/initiatives/", "/needs/", "/meetings/"):
        site.open(f"/{language}{path}")
        toggle = page.locator("details[data-filters]:not(.map-panel) > summary")
        expect(toggle).to_have_text(label)
        expect(page.locator("details[data-filters]:not(.map-panel)")).not_to_have_attribute("open", "")
        expect(page.locator("details[data-filters]:not(.map-panel) form")).to_be_hidden()
        count = page.locator(".result-count").first
        box = count.bounding_box()
        assert box and box["y"] + box["height"] < 844, f"{path}: the results start below the first screen"
        assert_accessible(page, f"{path} at 390 px")
    # on the directory the first card is on the first screen too
    site.open(f"/{language}/members/")
    card = page.locator(".card-grid li").first.bounding_box()
    assert card and card["y"] < 844
    expect(page.locator("details.map-panel svg")).to_be_hidden()  # the map is folded too
    # one tap opens the filters
    page.locator("details[data-filters]:not(.map-panel) > summary").click()
    expect(page.locator("details[data-filters]:not(.map-panel) form")).to_be_visible()
    # a filter in use keeps them open, so nobody wonders why the list is short
    site.open(f"/{language}/members/?prefecture=20")
    expect(page.locator("details[data-filters]:not(.map-panel) form")).to_be_visible()
    # at desktop width they are open from the start
    page.set_viewport_size({"width": 1280, "height": 900})
    site.open(f"/{language}/members/")
    expect(page.locator("details[data-filters]:not(.map-panel) form")).to_be_visible()


def test_prefecture_picker_searches_the_list_in_the_page(site, page, client, live_server, writer):
    """The expertise form's prefectures (a fixed list, no endpoint): typed letters find them, names
    that start with them first, and the chosen ones are what the form posts."""
    staff, _group = writer
    sign_in(page, client, live_server, staff)
    site.open("/en/expertise/new/")
    page.get_by_role("button", name="Save").click()
    # the error summary leads to the box that is shown, not to the hidden select
    link = page.locator("#error-summary").get_by_role("link", name=re.compile("^Prefectures served"))
    expect(link).to_have_attribute("href", "#id_prefecture_list_search")
    link.click()
    box = page.get_by_role("combobox", name="Prefectures served")
    expect(box).to_be_focused()
    box.fill("naga")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_text(["Nagano", "Nagasaki", "Kanagawa"])
    box.press("Enter")  # nothing highlighted and more than one entry: Enter chooses nothing
    expect(page.get_by_role("button", name="Remove Nagano")).to_have_count(0)
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("button", name="Remove Nagano")).to_be_visible()
    assert page.locator("#id_prefecture_list").evaluate("s => [...s.selectedOptions].map(o => o.value)") == ["20"]
    page.get_by_role("button", name="Remove Nagano").click()
    assert page.locator("#id_prefecture_list").evaluate("s => s.selectedOptions.length") == 0
    expect(box).to_be_focused()


def test_saving_from_the_preview_with_an_empty_text_shows_the_text_box(site, page, client, live_server, writer):
    staff, _group = writer
    sign_in(page, client, live_server, staff)
    site.open("/ja/initiatives/new/")
    editor = page.locator(".md-editor", has=page.locator("#id_body"))
    editor.get_by_role("tab", name="プレビュー").click()
    expect(editor.get_by_role("tabpanel")).to_have_text("まだプレビューする内容がありません。")
    page.get_by_role("button", name="保存").click()
    # the browser asks for the required text: the Write tab is back so that it can show the box
    expect(editor.get_by_role("tab", name="編集")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#id_body")).to_be_visible()
