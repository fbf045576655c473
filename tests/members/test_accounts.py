"""Accounts through allauth: sign-up with verification, sign-in limits, reset, two factors."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from members.models import User
from tests.factories import PASSWORD, UserFactory, secretariat_user, totp_code

pytestmark = pytest.mark.django_db


def sign_up(client, deliver, email="hanako@example.ac.jp", lang="ja"):
    with deliver():
        return client.post(
            f"/{lang}/accounts/signup/",
            {"email": email, "password1": PASSWORD, "password2": PASSWORD, "name": "山田 花子", "language": lang},
        )


def link_in_last_mail():
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)


def test_signup_needs_email_verification_before_sign_in(client, deliver):
    response = sign_up(client, deliver)
    assert response.status_code == 302
    assert response["Location"] == "/ja/accounts/confirm-email/"
    user = User.objects.get(email="hanako@example.ac.jp")
    assert (user.name, user.language) == ("山田 花子", "ja")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanako@example.ac.jp"]
    # signing in before verifying sends the person back to the verification notice
    client.logout()
    response = client.post("/ja/accounts/login/", {"login": "hanako@example.ac.jp", "password": PASSWORD})
    assert response["Location"] == "/ja/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_signup_verification_link_then_sign_in(client, deliver):
    sign_up(client, deliver, lang="en")
    link = link_in_last_mail()
    path = link.split("testserver", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(email="hanako@example.ac.jp").verified is True
    response = client.post("/en/accounts/login/", {"login": "hanako@example.ac.jp", "password": PASSWORD})
    assert response["Location"] == "/en/"  # sign-in lands on the signed-in home
    assert client.get("/en/account/").context["user"].email == "hanako@example.ac.jp"


def test_signup_mail_is_in_the_language_of_the_page(client, deliver):
    sign_up(client, deliver, email="a@example.org", lang="ja")
    sign_up(client.__class__(), deliver, email="b@example.org", lang="en")
    ja, en = mail.outbox
    assert "メールアドレスの確認" in ja.subject or "確認" in ja.subject
    assert "Confirm" in en.subject


def test_signup_honeypot_filled_creates_nobody(client):
    client.post(
        "/ja/accounts/signup/",
        {"email": "bot@example.org", "password1": PASSWORD, "password2": PASSWORD, "name": "bot",
         "language": "ja", "website_url": "http://spam.example"},
    )
    assert not User.objects.filter(email="bot@example.org").exists()
    assert mail.outbox == []


def test_signin_rate_limit_after_repeated_failures(client):
    user = UserFactory()
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": user.email, "password": "wrong password"})
    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_stranger_failing_five_times_does_not_lock_the_owner_out(client):
    """The failures are counted per account and client: the owner, elsewhere, still signs in; the
    stranger stays refused, even with the right password."""
    user = UserFactory()
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": user.email, "password": "wrong password"},
                    REMOTE_ADDR="203.0.113.9")
    stranger = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD},
                           REMOTE_ADDR="203.0.113.9")
    assert "Too many failed login attempts" in stranger.content.decode()
    owner = Client()
    response = owner.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD},
                          REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_password_reset_is_rate_limited_per_address_and_says_so(client, deliver):
    known = UserFactory(email="flooded@example.org")
    with deliver():
        answers = [client.post("/en/accounts/password/reset/", {"email": known.email}) for _ in range(6)]
    assert [r.status_code for r in answers[:5]] == [302] * 5
    assert answers[5].status_code == 429  # the sixth within a minute: refused, no sixth e-mail
    assert "Too many attempts" in answers[5].content.decode()
    japanese = client.post("/ja/accounts/password/reset/", {"email": known.email})
    assert japanese.status_code == 429 and "試行回数が多すぎます" in japanese.content.decode()
    assert len([m for m in mail.outbox if m.to == [known.email]]) == 5


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, deliver):
    known = UserFactory(email="known@example.org")
    with deliver():
        r1 = client.post("/en/accounts/password/reset/", {"email": known.email})
        r2 = client.post("/en/accounts/password/reset/", {"email": "nobody@example.org"})
    done = (302, "/en/accounts/password/reset/done/")
    assert (r1.status_code, r1["Location"]) == (r2.status_code, r2["Location"]) == done
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["known@example.org", "nobody@example.org"]
    reset = next(m for m in mail.outbox if m.to == ["known@example.org"])
    assert "/accounts/password/reset/key/" in reset.body


def test_secretariat_sign_in_asks_for_the_second_factor(client):
    user = secretariat_user(email="sec@example.org")
    response = client.post("/ja/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/ja/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/ja/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post("/ja/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (-3, False), (2, False)])
def test_a_code_read_just_before_its_window_ended_still_signs_in(client, steps, accepted):
    """A code typed in the last seconds of its 30-second window arrives in the next one: accepted
    (one window back); older codes and codes from the future are refused."""
    user = secretariat_user(email="sec@example.org")
    client.post("/ja/accounts/login/", {"login": user.email, "password": PASSWORD})
    response = client.post("/ja/accounts/2fa/authenticate/", {"code": totp_code(steps=steps)})
    assert (response.status_code == 302) is accepted
    assert ("_auth_user_id" in client.session) is accepted


def test_a_code_signs_in_once_only(client):
    user = secretariat_user(email="sec@example.org")
    code = totp_code()
    client.post("/ja/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert client.post("/ja/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    client.logout()
    client.post("/ja/accounts/login/", {"login": user.email, "password": PASSWORD})
    again = client.post("/ja/accounts/2fa/authenticate/", {"code": code})
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_is_for_the_secretariat_with_two_factor_only(client):
    plain = UserFactory()
    no_2fa = secretariat_user(two_factor=False)
    full = secretariat_user()
    client.force_login(plain)
    assert client.get("/ja/admin/").status_code == 404
    client.force_login(no_2fa)
    response = client.get("/ja/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/ja/accounts/2fa/")
    client.force_login(full)
    response = client.get("/ja/admin/members/institution/")
    assert response.status_code == 200
    assert "コアリションポータル管理" in response.content.decode()


def test_admin_sends_visitors_to_sign_in(client):
    response = client.get("/ja/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/ja/accounts/login/?next=/ja/admin/"
