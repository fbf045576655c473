"""An institution applies for membership, the secretariat approves it (with two-factor sign-in), and
the applicant signs up, becomes the institution's contact and edits its profile. All in Japanese."""

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from members.models import MembershipApplication
from tests.factories import PASSWORD, WorkingGroupFactory, secretariat_user, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSTITUTION = {
    "name_ja": "信州みらい大学",
    "name_en": "Shinshu Mirai University",
    "name_kana": "しんしゅうみらいだいがく",
    "website": "https://www.shinshu-mirai.ac.jp/",
    "domain": "shinshu-mirai.ac.jp",
}
APPLICANT_EMAIL = "hanako@shinshu-mirai.ac.jp"
SECRETARIAT_EMAIL = "jimukyoku@example.org"
PROFILE_TEXT = "信州の山岳地域で再生可能エネルギーの地産地消に取り組んでいます。"


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def fresh_totp_code():
    """A code with a few seconds of its 30-second window left (no tolerance is configured, so a code
    typed just before the window turns would be refused)."""
    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.1)
    return totp_code()


def sign_in(page, email, *, two_factor=False):
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    if two_factor:
        expect(page).to_have_url(re.compile(r"/ja/accounts/2fa/authenticate/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("二要素認証")
        page.get_by_label("コード").fill(fresh_totp_code())
        page.get_by_role("button", name="ログイン").click()
    # the secretariat lands on its work queue, everyone else on their dashboard
    lands_on = "事務局の処理待ち一覧" if two_factor else "ダッシュボード"
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)


def apply_for_membership(site, page, group_name):
    page = site.open("/ja/members/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text("入会を申し込む")
    page.get_by_label("機関名（日本語）").fill(INSTITUTION["name_ja"])
    page.get_by_label("機関名（英語）").fill(INSTITUTION["name_en"])
    page.get_by_label("よみがな").fill(INSTITUTION["name_kana"])
    page.get_by_label("種別").select_option(label="国立大学")
    page.get_by_label("区分").select_option(label="参加機関")
    page.get_by_label("都道府県").select_option(label="長野県")
    page.get_by_label("ウェブサイト").fill(INSTITUTION["website"])
    page.get_by_label("教職員のメールドメイン").fill(INSTITUTION["domain"])
    page.get_by_label("あなたの氏名").fill("山田 花子")
    page.get_by_label("あなたの所属・役職").fill("総務部 総務課長")
    page.get_by_label("あなたのメールアドレス").fill(APPLICANT_EMAIL)
    page.get_by_label("代表者の氏名").fill("鈴木 一郎")
    page.get_by_label("代表者の役職").fill("学長")
    page.get_by_role("group", name="参加を希望するワーキンググループ").get_by_label(group_name).check()
    page.locator("#id_consent").check()
    page.get_by_role("button", name="申込を送信する").click()


def decide_application(page, reference):
    expect(page).to_have_url(re.compile(r"/ja/secretariat/$"))  # where the secretariat lands after sign-in
    expect(page.get_by_role("heading", level=1)).to_have_text("事務局の処理待ち一覧")
    expect(page.get_by_role("heading", name="判断待ちの入会申込 1件")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text(INSTITUTION["name_ja"])
    expect(row).to_contain_text(APPLICANT_EMAIL)
    row.get_by_role("link", name=reference).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{reference}: {INSTITUTION['name_ja']}")
    page.get_by_label("承認する").check()
    page.get_by_role("button", name="判断を記録する").click()
    expect(page).to_have_url(re.compile(r"/ja/secretariat/$"))
    expect(page.get_by_role("status")).to_contain_text(f"{INSTITUTION['name_ja']}が会員になりました。")
    expect(page.get_by_text("判断待ちの申込はありません。")).to_be_visible()


def sign_up_and_verify(page, signup_url):
    page.goto(signup_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("ユーザー登録")
    page.get_by_label("メールアドレス").fill(APPLICANT_EMAIL)
    page.get_by_label("氏名").fill("山田 花子")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="ユーザー登録").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("メールアドレスを確認してください")

    confirmation = [m for m in mails_to(APPLICANT_EMAIL) if "/accounts/confirm-email/" in m.body]
    assert len(confirmation) == 1
    page.goto(re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation[0].body).group(0))
    page.get_by_role("button", name="確認する").click()
    expect(page).to_have_url(re.compile(r"/ja/accounts/login/$"))


def test_institution_applies_is_approved_and_its_contact_edits_the_profile(site, page, live_server, settings):
    # Links in the portal's own e-mails point at the live server, so the journey can follow them.
    settings.SITE_URL = live_server.url
    group = WorkingGroupFactory(name_ja="再生可能エネルギーWG")
    secretariat_user(email=SECRETARIAT_EMAIL, name="事務局 太郎")

    # 1. A visitor applies.
    apply_for_membership(site, page, group.name_ja)
    application = MembershipApplication.objects.get()
    expect(page).to_have_url(re.compile(r"/ja/members/apply/sent/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ありがとうございます。申込を送信しました")
    expect(page.get_by_text(re.compile(r"受付番号は APP-\d{4}-\d{5} です。"))).to_have_text(
        f"受付番号は {application.reference} です。"
    )
    expect(page.get_by_text(f"{APPLICANT_EMAIL} に確認メールをお送りしました。")).to_be_visible()
    assert application.intended_groups == [group.slug]
    receipts = mails_to(APPLICANT_EMAIL)
    assert len(receipts) == 1
    assert receipts[0].subject == f"{INSTITUTION['name_ja']}の入会申込を受け付けました"
    assert f"受付番号: {application.reference}" in receipts[0].body

    # 2. The secretariat signs in with two factors and approves it.
    site.open("/ja/accounts/login/")
    sign_in(page, SECRETARIAT_EMAIL, two_factor=True)
    decide_application(page, application.reference)

    site.open("/ja/members/")
    page.get_by_role("link", name=INSTITUTION["name_ja"]).click()
    expect(page).to_have_url(re.compile(r"/ja/members/shinshu-mirai-university/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(INSTITUTION["name_ja"])
    expect(page.get_by_text(INSTITUTION["name_en"])).to_be_visible()
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("link", name="ログイン")).to_be_visible()

    # 3. The applicant, who had no account, signs up from the decision e-mail and edits the profile.
    decisions = [m for m in mails_to(APPLICANT_EMAIL) if m is not receipts[0]]
    assert len(decisions) == 1
    assert decisions[0].subject == f"コアリションへようこそ: {INSTITUTION['name_ja']}の入会が承認されました"
    signup_url = f"{live_server.url}/ja/accounts/signup/"
    assert signup_url in decisions[0].body
    sign_up_and_verify(page, signup_url)
    sign_in(page, APPLICANT_EMAIL)
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="マイページ").click()
    affiliations = page.get_by_role("region", name="所属")
    expect(affiliations).to_contain_text(INSTITUTION["name_ja"])
    expect(affiliations).to_contain_text("事務担当")

    affiliations.get_by_role("link", name=INSTITUTION["name_ja"]).click()
    page.get_by_role("link", name="機関情報を編集").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{INSTITUTION['name_ja']}を編集")
    page.get_by_label("紹介文（日本語）").fill(PROFILE_TEXT)
    page.get_by_role("button", name="機関情報を保存").click()
    expect(page).to_have_url(re.compile(r"/ja/members/shinshu-mirai-university/$"))
    expect(page.get_by_role("status")).to_have_text("機関情報を保存しました。")
    expect(page.get_by_role("region", name="紹介")).to_contain_text(PROFILE_TEXT)

    # What the public sees.
    page.get_by_role("button", name="ログアウト").click()
    site.open("/ja/members/shinshu-mirai-university/")
    expect(page.get_by_role("heading", level=1)).to_have_text(INSTITUTION["name_ja"])
    expect(page.get_by_role("region", name="紹介")).to_contain_text(PROFILE_TEXT)
