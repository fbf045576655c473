"""Every allauth e-mail as it leaves the portal: a plain-text part and an HTML part, both with the
portal's own words and name in the page's language, and the same working link. (The HTML part was
empty: mail clients that prefer HTML showed a blank message.)"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PORTAL = {"ja": "大学等コアリション", "en": "University Coalition"}
# allauth's own greeting and sign-off, which named the host ("こんにちは、localhost:8201 です!")
FOREIGN = ["Hello from", "こんにちは", "Thank you for using", "example.com", "testserver です"]


def parts(message) -> tuple[str, str]:
    """(text, html) of a sent message; every alternative is HTML and there is exactly one."""
    assert [mimetype for _, mimetype in message.alternatives] == ["text/html"]
    return message.body, message.alternatives[0][0]


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text)


def path_of(link: str) -> str:
    """The link is on the site's one address (SITE_URL), whatever host the request used."""
    assert link.startswith("https://portal.example.ac.jp/")
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://portal.example.ac.jp"


def check_message(message, lang, path_fragment):
    text, html = parts(message)
    assert text.strip() and html.strip()
    for part in (text, html, message.subject):
        assert PORTAL[lang] in part
        for foreign in FOREIGN:
            assert foreign not in part
    [link] = [u for u in links(text) if path_fragment in u]
    assert f'href="{link}"' in html
    return link


def sign_up(client, deliver, lang, email):
    with deliver():
        client.post(f"/{lang}/accounts/signup/",
                    {"email": email, "password1": PASSWORD, "password2": PASSWORD, "name": "山田 花子",
                     "language": lang})


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_signup_confirmation_mail_has_both_parts_with_the_link_that_confirms(client, deliver, lang):
    sign_up(client, deliver, lang, "hanako@example.ac.jp")

    [message] = mail.outbox
    link = check_message(message, lang, "/accounts/confirm-email/")
    text, html = parts(message)

    assert {"ja": "メールアドレスの確認", "en": "Confirm your e-mail address"}[lang] in message.subject
    assert "hanako@example.ac.jp" in text and "hanako@example.ac.jp" in html
    assert client.get(path_of(link)).status_code == 200


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_password_reset_mail_has_both_parts_with_the_link_that_resets(client, deliver, lang):
    UserFactory(email="known@example.org")
    with deliver():
        client.post(f"/{lang}/accounts/password/reset/", {"email": "known@example.org"})

    [message] = mail.outbox
    link = check_message(message, lang, "/accounts/password/reset/key/")

    assert {"ja": "パスワードの再設定", "en": "Reset your password"}[lang] in message.subject
    assert client.get(path_of(link)).status_code == 302  # to the key's form page


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_password_reset_for_unknown_address_mail_has_both_parts_with_the_signup_link(client, deliver, lang):
    with deliver():
        client.post(f"/{lang}/accounts/password/reset/", {"email": "nobody@example.org"})

    [message] = mail.outbox
    link = check_message(message, lang, "/accounts/signup/")

    assert client.get(path_of(link)).status_code == 200


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_signup_with_a_taken_address_mail_has_both_parts_with_the_reset_link(client, deliver, lang):
    UserFactory(email="known@example.org")
    sign_up(client, deliver, lang, "known@example.org")

    [message] = mail.outbox
    link = check_message(message, lang, "/accounts/password/reset/")

    assert client.get(path_of(link)).status_code == 200
