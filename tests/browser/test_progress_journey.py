"""An institution's contact enters a year's figures; the secretariat returns them with a comment;
the contact fixes and resubmits them from the e-mail; the secretariat publishes them; a visitor sees
the institution's chart and the coalition total change, in both languages. Then staff of another
institution record that they adopted one of its initiatives and ask a question, which the author
answers from the e-mail."""

import datetime
import re
import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Affiliation
from tests.browser.conftest import set_timeouts
from tests.factories import PASSWORD, InstitutionFactory, WorkingGroupFactory, secretariat_user, staff_of, totp_code
from working_groups.models import Initiative
from working_groups.progress.models import Commitment, YearlyReport, current_fiscal_year
from working_groups.services import refresh_derived

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST = current_fiscal_year() - 1
CONTACT = "kobayashi@alpha.example.ac.jp"
SECRETARIAT = "desk@coalition.example.org"
STAFF_B = "suzuki@beta.example.ac.jp"
AUTHOR = "yamada@alpha.example.ac.jp"
COMMENT = "スコープ2が前年度より大きく減っています。排出係数を確認してください。"


@pytest.fixture
def new_page(browser, browser_context_args):
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


def mail_link(address, pattern):
    body = [m for m in mail.outbox if address in m.to][-1].body
    return urlsplit(re.search(pattern, body).group(0)).path


def sign_in(page, url, path, email, *, two_factor=False):
    page.goto(f"{url}/ja/accounts/login/?next={path}")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    if two_factor:
        left = 30 - time.time() % 30
        if left < 5:
            time.sleep(left + 0.1)
        page.get_by_label("コード").fill(totp_code())
        page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def published(institution, year, scope1, scope2):
    YearlyReport.objects.create(institution=institution, fiscal_year=year, status="published",
                                scope1=Decimal(scope1), scope2=Decimal(scope2), energy_gj=Decimal("90000"),
                                renewable_share=Decimal("15"), floor_area=200000, headcount=12000)


@pytest.fixture
def world():
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく")
    c = InstitutionFactory(slug="univ-c", name_ja="丙大学", name_en="Gamma University", name_kana="へいだいがく")
    for inst in (a, b, c):
        Commitment.objects.create(institution=inst, target_year=2050, baseline_year=2013,
                                  baseline_emissions=Decimal("30000"), interim_year=2030,
                                  interim_reduction=Decimal("51"), visibility="public")
    published(a, LAST - 1, "5000", "15000")
    for inst in (b, c):
        published(inst, LAST - 1, "4000", "10000")
        published(inst, LAST, "3000", "9000")
    staff_of(a, role=Affiliation.Role.CONTACT, email=CONTACT, name="小林 美咲")
    author = staff_of(a, email=AUTHOR, name="山田 太郎")
    staff_of(b, email=STAFF_B, name="鈴木 花子")
    secretariat_user(email=SECRETARIAT, name="事務局 太郎")
    initiative = Initiative(institution=a, author=author, slug="zeb-library-alpha", title="図書館のZEB化",
                            summary="築40年の図書館をZEB Readyに改修しました。", body="改修の経緯と成果。",
                            prefecture="13", started_on=datetime.date(2022, 4, 1), status="published",
                            published_at=timezone.now())
    refresh_derived(initiative)
    initiative.save()
    initiative.themes.set([WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG")])


def fill_figures(page, scope2):
    page.get_by_label("スコープ1排出量（t-CO₂e）").fill("4800")
    page.get_by_label("スコープ2排出量（t-CO₂e）").fill(scope2)
    page.get_by_label("エネルギー使用量（GJ）").fill("85000")
    page.get_by_label("再エネ電力比率（%）").fill("22.5")
    page.get_by_label("延床面積（m²）").fill("200000")
    page.get_by_label("構成員数（学生・教職員）").fill("12000")


def test_yearly_report_review_and_horizontal_deployment(live_server, new_page, world):
    url = live_server.url
    total_row = f"{LAST}年度"

    # 0. A visitor: the last year has two institutions only, so its total is not shown yet
    visitor = new_page()
    visitor.goto(f"{url}/ja/progress/")
    expect(visitor.get_by_role("row", name=re.compile(f"^{LAST}年度"))).to_contain_text("非表示")

    # 1. The contact enters the year's figures and submits them
    contact = new_page()
    sign_in(contact, url, "/ja/members/univ-a/progress/", CONTACT)
    contact.get_by_role("link", name=f"{total_row}の実績を入力する").click()
    expect(contact.get_by_role("heading", level=1)).to_have_text("新しい実績報告")
    fill_figures(contact, "9000")
    contact.get_by_role("button", name="提出して確認を依頼").click()
    expect(contact.locator(".message").first).to_contain_text("事務局に提出しました")

    # 2. The secretariat returns it with a comment
    desk = new_page()
    sign_in(desk, url, "/ja/secretariat/progress/", SECRETARIAT, two_factor=True)
    desk.get_by_role("link", name=f"甲大学 {LAST}年度").click()
    desk.get_by_label("修正のため機関に差し戻す").check()
    desk.get_by_label("機関へのコメント").fill(COMMENT)
    desk.get_by_role("button", name="判断する").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("実績報告")

    # 3. The contact opens the link in the e-mail, sees the comment, fixes and resubmits
    contact.goto(url + mail_link(CONTACT, r"http://\S+/reports/\d+/"))
    expect(contact.get_by_text(COMMENT)).to_be_visible()
    contact.get_by_label("スコープ2排出量（t-CO₂e）").fill("12000")
    contact.get_by_role("button", name="提出して確認を依頼").click()
    expect(contact.locator(".message").first).to_contain_text("事務局に提出しました")

    # 4. The secretariat publishes it
    desk.goto(f"{url}/ja/secretariat/progress/")
    desk.get_by_role("link", name=f"甲大学 {LAST}年度").click()
    desk.get_by_label("実績を公開する").check()
    desk.get_by_role("button", name="判断する").click()
    assert YearlyReport.objects.get(institution__slug="univ-a", fiscal_year=LAST).status == "published"

    # 5. A visitor sees the institution's chart and the coalition total, in both languages
    visitor.goto(f"{url}/en/members/univ-a/progress/")
    expect(visitor.locator("svg#chart-institution")).to_be_visible()
    expect(visitor.get_by_role("row", name=re.compile(f"^FY{LAST}"))).to_contain_text("12,000")
    visitor.goto(f"{url}/ja/members/univ-a/progress/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("甲大学：カーボンニュートラルへの進捗")
    visitor.goto(f"{url}/ja/progress/")
    expect(visitor.get_by_role("row", name=re.compile(f"^{LAST}年度"))).to_contain_text("10,800")  # 3000+3000+4800
    visitor.goto(f"{url}/en/progress/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Progress toward carbon neutrality")
    expect(visitor.get_by_role("row", name=re.compile(f"^FY{LAST}"))).to_contain_text("30,000")  # scope 2

    # 6. Staff of another institution record an adoption and ask a question
    staff = new_page()
    sign_in(staff, url, "/ja/initiatives/zeb-library-alpha/", STAFF_B)
    staff.get_by_role("link", name="自機関で導入した").click()
    staff.get_by_label(re.compile(r"^年")).fill("2025")
    staff.get_by_label("変更した点").fill("講義棟で実施しました。")
    staff.get_by_role("button", name="記録する").click()
    expect(staff.get_by_role("heading", name="1機関が導入")).to_be_visible()
    expect(staff.locator("#adoptions")).to_contain_text("乙大学")
    staff.get_by_label(re.compile(r"^質問")).fill("改修中も図書館は開館していましたか？")
    staff.get_by_role("button", name="執筆者に質問する").click()
    expect(staff.locator("#questions")).to_contain_text("改修中も図書館は開館していましたか？")

    # 7. The author answers from the e-mail and makes it public; a visitor reads it
    author = new_page()
    link = mail_link(AUTHOR, r"http://\S+#question-\d+")
    sign_in(author, url, link.split("#")[0], AUTHOR)
    author.get_by_role("link", name="回答", exact=True).click()
    author.get_by_label(re.compile(r"^回答")).fill("はい。工区を分け、閲覧席の三分の二を開けていました。")
    author.get_by_label("この質問と回答を誰でも見られるようにする").check()
    author.get_by_role("button", name="回答を保存").click()
    assert [m for m in mail.outbox if STAFF_B in m.to]
    visitor.goto(f"{url}/ja/initiatives/zeb-library-alpha/")
    expect(visitor.locator("#questions")).to_contain_text("閲覧席の三分の二を開けていました")
    expect(visitor.locator("#adoptions")).to_contain_text("乙大学")
