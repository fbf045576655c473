"""A motion's papers, in a browser, in Japanese: the secretariat attaches the draft comparison table,
uploads a corrected version (the first stays listed under it), then removes the paper with a
reason; the audit log keeps who removed what and why."""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.governance import services
from meetings.governance.models import MotionDocument
from meetings.models import Meeting
from members.audit.models import AuditEntry
from tests.browser.test_general_meeting_journey import sign_in
from tests.factories import WorkingGroupFactory, secretariat_user
from working_groups.models import WorkingGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Version 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Where to save screenshots of the pages at two widths, in both languages (unset: none are taken).
SHOTS = os.environ.get("MOTION_DOCUMENT_SHOTS")


@pytest.fixture
def motion(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    general = WorkingGroupFactory(
        tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会", name_en="General meeting"
    )
    start = timezone.now() + datetime.timedelta(days=20)
    session = Meeting.objects.create(
        kind="general",
        group=general,
        title_ja="第7回総会",
        title_en="7th general meeting",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    chair = secretariat_user(email="chair@example.org", name="議長 一郎")
    motion = services.motion_create(
        by=chair,
        session=session,
        data={
            "title_ja": "会則第5条の改正",
            "title_en": "Amendment of article 5 of the rules",
            "text_ja": "会則第5条を別紙のとおり改める。",
            "kind": "rules_change",
        },
    )
    services.motion_put_on_agenda(motion=motion, by=chair)
    return motion


def shoot(page, name):
    if not SHOTS:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_secretariat_replaces_then_removes_a_motions_paper(site, page, motion, tmp_path):
    secretariat_user(email="sec@example.org", name="事務局 花子")
    site.open("/ja/accounts/login/")
    sign_in(page, "sec@example.org", lands_on=re.compile(".+"), two_factor=True)
    site.open(f"/ja/motions/{motion.pk}/")

    (tmp_path / "table.pdf").write_bytes(PDF)
    page.get_by_label("ファイル").set_input_files(str(tmp_path / "table.pdf"))
    page.get_by_label("タイトル").fill("新旧対照表")
    page.get_by_role("button", name="添付する", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("資料を追加しました")

    documents = page.locator("#documents")
    documents.get_by_role("link", name="新しい版をアップロード").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("「新旧対照表」の新しい版")
    (tmp_path / "table-v2.pdf").write_bytes(PDF_V2)
    page.get_by_label("ファイル").set_input_files(str(tmp_path / "table-v2.pdf"))
    page.get_by_role("button", name="新しい版をアップロードする").click()
    expect(page.get_by_role("status")).to_contain_text("新しい版をアップロードしました")
    expect(documents.locator(".document-versions summary")).to_have_text("以前の版（1件）")

    document = MotionDocument.objects.get(version_of__isnull=True)
    if SHOTS:
        for lang in ("ja", "en"):
            site.open(f"/{lang}/motions/{motion.pk}/")
            page.locator(".document-versions summary").click()
            shoot(page, f"motion-{lang}")
            site.open(f"/{lang}/motions/{motion.pk}/documents/{document.pk}/version/")
            shoot(page, f"version-{lang}")
            site.open(f"/{lang}/motions/{motion.pk}/documents/{document.pk}/remove/")
            shoot(page, f"remove-{lang}")
        site.open(f"/ja/motions/{motion.pk}/")

    documents.get_by_role("link", name="削除").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("「新旧対照表」を削除しますか？")
    page.get_by_label("理由（任意）").fill("別紙の差し替えを取りやめたため")
    page.get_by_role("button", name="資料を削除する").click()
    expect(page.get_by_role("status")).to_contain_text("資料を削除しました")
    expect(page.locator("#documents")).to_have_count(0)
    assert MotionDocument.objects.count() == 0
    entry = AuditEntry.objects.get(action="document.remove")
    assert (entry.actor.email, entry.reason, entry.detail) == (
        "sec@example.org",
        "別紙の差し替えを取りやめたため",
        {"title": "新旧対照表", "versions": 2},
    )
