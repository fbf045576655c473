"""A coordinator drafts the minutes of a past meeting, publishes them, attaches the programme,
replaces it with a new version and removes it with a reason: in Japanese, every page checked by axe
(no serious or critical violation)."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Meeting, MeetingDocument
from tests.factories import PASSWORD, InstitutionFactory, WorkingGroupFactory, coordinator_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Version 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def no_blocking_violation(page):
    results = AXE.run(page).response
    blocking = [(r["id"], r["impact"], [n["target"] for n in r["nodes"][:3]]) for r in results["violations"]
                if r["impact"] in ("serious", "critical")]
    assert blocking == [], f"{page.url}: {blocking}"


@pytest.fixture
def meeting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    group = WorkingGroupFactory(slug="energy", name_ja="地域エネルギーWG", name_en="Regional Energy WG",
                                coordinators=[InstitutionFactory(slug="chubu", name_ja="中部環境大学")])
    coordinator_of(group, email="sato@chubu-kankyo.ac.jp", name="佐藤 健")
    starts = timezone.now() - datetime.timedelta(days=3)
    return Meeting.objects.create(kind=Meeting.Kind.GROUP, group=group, title_ja="第2回 地域エネルギーWG会合",
                                  starts_at=starts, ends_at=starts + datetime.timedelta(hours=2),
                                  format=Meeting.Format.ONLINE, visibility=Meeting.Visibility.GROUP)


def test_coordinator_drafts_and_publishes_minutes_then_replaces_and_removes_a_document(site, page, meeting,
                                                                                        tmp_path):
    site.open(f"/ja/meetings/{meeting.pk}/")
    page.get_by_label("メールアドレス").fill("sato@chubu-kankyo.ac.jp")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("第2回 地域エネルギーWG会合")

    # the minutes: a draft first, seen by nobody else, then published
    page.get_by_role("link", name="議事録", exact=True).click()
    expect(page.locator("#minutes-status")).to_contain_text("まだ書かれていません。")
    page.get_by_label("議事録（日本語）").fill("## 決定事項\n\n- 小水力発電の共同調査を始める")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.get_by_text("議事録の下書きを保存しました。")).to_be_visible()
    expect(page.locator("#minutes-status")).to_contain_text("下書き")
    no_blocking_violation(page)
    assert Meeting.objects.get(pk=meeting.pk).minutes_published_at is None
    page.get_by_role("button", name="公開する").click()
    expect(page.get_by_text("議事録を公開しました。")).to_be_visible()
    expect(page.locator("#minutes")).to_contain_text("小水力発電の共同調査を始める")

    # a document, then a new version of it
    programme = tmp_path / "programme.pdf"
    programme.write_bytes(PDF)
    page.locator("#doc-file").set_input_files(str(programme))
    page.get_by_label("タイトル").fill("当日の次第")
    page.get_by_role("button", name="添付する").click()
    expect(page.get_by_text("資料を添付しました。")).to_be_visible()
    page.get_by_role("link", name="新しい版をアップロード").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("「当日の次第」の新しい版")
    no_blocking_violation(page)
    revised = tmp_path / "programme-v2.pdf"
    revised.write_bytes(PDF_V2)
    page.get_by_label("ファイル").set_input_files(str(revised))
    page.get_by_role("button", name="新しい版をアップロードする").click()
    expect(page.get_by_text("新しい版をアップロードしました。以前の版も残っています。")).to_be_visible()
    versions = page.locator(".document-versions")
    versions.locator("summary").click()
    expect(versions).to_contain_text("以前の版（1件）")
    expect(versions.get_by_role("link", name="当日の次第")).to_be_visible()
    no_blocking_violation(page)

    # removal: asked to confirm, with a reason, kept in the history
    page.locator("#documents").get_by_role("link", name="削除").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("「当日の次第」を削除しますか？")
    no_blocking_violation(page)
    page.get_by_label("理由（任意）").fill("最新の次第は事務局のページに掲載したため")
    page.get_by_role("button", name="資料を削除する").click()
    expect(page.locator("#document-history")).to_contain_text("資料を削除: 当日の次第")
    expect(page.locator("#document-history")).to_contain_text("最新の次第は事務局のページに掲載したため")
    assert MeetingDocument.objects.count() == 0
