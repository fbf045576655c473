"""A failed submit in a real browser: the focus is on the error summary, each error links to its
field, the cover image chosen before is kept (and saved next time without choosing it again), the
only institution has no label over a hidden input, and a document goes in with the first save."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_accessibility import AXE, BLOCKING, REVIEW_IS_FAILURE, describe
from tests.factories import PASSWORD, InstitutionFactory, WorkingGroupFactory, staff_of
from working_groups.models import Initiative

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_failed_initiative_submit_focuses_the_summary_and_keeps_the_files(site, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    member = InstitutionFactory(name_ja="北陸工業大学", name_en="Hokuriku Institute of Technology")
    group = WorkingGroupFactory(name_ja="地域エネルギーWG", name_en="Regional Energy WG")
    staff_of(member, email="tanaka@hokuriku.example", language="ja")
    cover = tmp_path / "suiro.png"
    Image.new("RGB", (120, 80), (40, 120, 200)).save(cover, "PNG")
    report = tmp_path / "houkoku.pdf"
    report.write_bytes(PDF)

    site.open("/ja/accounts/login/?next=/ja/initiatives/new/")
    page.get_by_label("メールアドレス").fill("tanaka@hokuriku.example")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("取組事例を共有する")
    expect(page.locator("label[for=id_institution]")).to_have_count(0)  # one institution: nothing to choose

    page.get_by_label("表紙画像").set_input_files(cover)
    page.get_by_label("画像の説明").fill("水路の脇の発電所")
    page.get_by_label(re.compile(r"^資料$")).set_input_files(report)
    page.get_by_role("button", name="保存").click()

    summary = page.get_by_role("alert").filter(has_text="下記の項目を修正してください。")
    expect(summary).to_be_focused()
    results = AXE.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    blocking = [r for r in results["violations"] + [r for r in results["incomplete"] if r["id"] in REVIEW_IS_FAILURE]
                if r["impact"] in BLOCKING]
    assert not blocking, "\n".join(describe(r) for r in blocking)
    summary.get_by_role("link", name="タイトル: このフィールドは必須です。").click()
    expect(page.get_by_label(re.compile(r"^タイトル"))).to_be_focused()
    expect(page.get_by_text("suiro.png は保持しています。もう一度選ぶ必要はありません。")).to_be_visible()
    expect(page.get_by_text("houkoku.pdf は保持しています。もう一度選ぶ必要はありません。")).to_be_visible()

    page.get_by_label(re.compile(r"^タイトル")).fill("小水力発電所の運用")
    page.get_by_label(re.compile(r"^概要")).fill("農業用水路に小水力発電所を設けました。")
    page.get_by_label(re.compile(r"^本文")).fill("地域と共同で運用しています。")
    page.get_by_label(group.name_ja).check()
    page.get_by_label("開始日").fill("2023-04-01")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("小水力発電所の運用")
    initiative = Initiative.objects.get()
    assert initiative.cover and initiative.cover_alt == "水路の脇の発電所"
    assert [d.title for d in initiative.documents.all()] == ["houkoku.pdf"]
