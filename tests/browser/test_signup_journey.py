"""A visitor signs up, verifies the address from the e-mail, signs in, switches language, signs out."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_up_verifies_signs_in_switches_language_and_signs_out(site, page):
    site.open("/")
    expect(page).to_have_url(re.compile(r"/ja/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.get_by_role("link", name="新規登録").click()
    page.get_by_label("メールアドレス").fill("hanako@example.ac.jp")
    page.get_by_label("氏名").fill("山田 花子")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="ユーザー登録").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("メールアドレスを確認してください")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="確認する").click()

    page.get_by_label("メールアドレス").fill("hanako@example.ac.jp")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    # signed in, the home is the person's own: no institution yet, so the way to ask for one
    expect(page).to_have_url(re.compile(r"/ja/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ダッシュボード")
    expect(page.get_by_role("link", name="機関への所属を申請する")).to_be_visible()
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="マイページ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("マイページ")
    expect(page.get_by_text("hanako@example.ac.jp")).to_be_visible()

    page.get_by_role("navigation", name="言語").get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/account/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(site.url + "/en/account/")
    expect(page).to_have_url(re.compile(r"/en/accounts/login/\?next=/en/account/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
