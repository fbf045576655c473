"""Signing in through a university's identity provider: a real IdP in the test process answers
with signed SAML responses (tests/sso/idp.py); the portal checks them with python3-saml."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from members.models import Affiliation
from members.notifications.models import Notification
from members.sso.models import IdentityProvider, IdentityProviderDomain
from tests.factories import PASSWORD, UserFactory, staff_of
from tests.sso.conftest import HOST, finish, start

pytestmark = pytest.mark.django_db
User = get_user_model()


def signed_in_user(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


def test_sign_in_new_person_is_signed_in_and_asks_to_join_the_university(client, provider, idp, university):
    contact = staff_of(university, role=Affiliation.Role.CONTACT, email="contact@u-tokyo.example")
    request = start(client)
    page = finish(client, idp.response(request, eppn="hanako@u-tokyo.example", mail="Hanako@u-tokyo.example",
                                       display_name="Hanako Yamada", ja_display_name="山田 花子"))
    user = signed_in_user(client)
    assert user is not None and user.email == "hanako@u-tokyo.example"
    assert user.name == "山田 花子"
    assert page.redirect_chain[-1][0] == "/en/"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("hanako@u-tokyo.example", True, True)
    assert not user.has_usable_password()
    affiliation = Affiliation.objects.get(user=user)
    assert (affiliation.institution, affiliation.status) == (university, Affiliation.Status.PENDING)
    assert Notification.objects.filter(kind="affiliation_requested", recipient=contact).count() == 1
    assert "Tokyo Test University" in page.content.decode()
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("saml-utokyo", "hanako@u-tokyo.example")


def test_sign_in_again_signs_in_the_same_person(client, provider, idp):
    finish(client, idp.response(start(client), eppn="hanako@u-tokyo.example", mail="hanako@u-tokyo.example"))
    first = signed_in_user(client)
    client.logout()
    finish(client, idp.response(start(client), eppn="hanako@u-tokyo.example", mail="hanako@u-tokyo.example"))
    assert signed_in_user(client) == first
    assert User.objects.count() == 1


def test_sign_in_from_the_japanese_page_comes_back_in_japanese(client, provider, idp):
    page = finish(client, idp.response(start(client, language="ja"), eppn="jiro@u-tokyo.example",
                                       mail="jiro@u-tokyo.example"))
    assert page.redirect_chain[-1][0] == "/ja/"
    assert signed_in_user(client).language == "ja"


def test_sign_in_keeps_next(client, provider, idp):
    page = finish(client, idp.response(start(client, next="/en/meetings/"), eppn="jiro@u-tokyo.example",
                                       mail="jiro@u-tokyo.example"))
    assert page.redirect_chain[-1][0] == "/en/meetings/"


def test_first_sign_in_joins_the_account_with_that_verified_address(client, provider, idp):
    person = UserFactory(email="taro@u-tokyo.example", name="Taro")  # verified by the factory
    finish(client, idp.response(start(client), eppn="taro@u-tokyo.example", mail="taro@u-tokyo.example"))
    assert signed_in_user(client) == person
    assert SocialAccount.objects.get(provider="saml-utokyo", uid="taro@u-tokyo.example").user == person
    assert User.objects.count() == 1
    person.refresh_from_db()
    assert person.check_password(PASSWORD)  # the person's own password still works
    assert person.name == "Taro"


def test_first_sign_in_refuses_an_account_whose_address_was_never_verified(client, provider, idp):
    # Someone signed up with the address without proving it: the university sign-in must not join them.
    squatter = UserFactory(email="taro@u-tokyo.example", verified=False)
    EmailAddress.objects.create(user=squatter, email=squatter.email, verified=False, primary=True)
    page = finish(client, idp.response(start(client), eppn="taro@u-tokyo.example", mail="taro@u-tokyo.example"))
    assert page.status_code == 409
    assert "The portal already has an account for taro@u-tokyo.example" in page.content.decode()
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    squatter.refresh_from_db()
    assert squatter.check_password(PASSWORD)
    assert User.objects.count() == 1


def test_first_sign_in_refuses_an_address_outside_the_universitys_domains(client, provider, idp):
    # The university vouches for its own addresses only: a webmail address it asserts matches nobody.
    person = UserFactory(email="taro.private@gmail.example")
    page = finish(client, idp.response(start(client), eppn="taro@u-tokyo.example", mail="taro.private@gmail.example"))
    assert page.status_code == 409
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.filter(user=person).exists()


def test_new_person_with_an_address_outside_the_domains_must_verify_it(client, provider, idp):
    finish(client, idp.response(start(client), eppn="ken@u-tokyo.example", mail="ken@webmail.example"))
    user = User.objects.get(email="ken@webmail.example")
    assert EmailAddress.objects.get(user=user).verified is False
    assert signed_in_user(client) is None  # mandatory verification: a confirmation mail first
    assert Notification.objects.filter(kind="account", email="ken@webmail.example").exists()
    assert not Affiliation.objects.filter(user=user).exists()


def test_unknown_domain_is_explained_in_english_and_japanese(client, provider):
    en = client.post("/en/accounts/university/", {"email": "someone@elsewhere.example"})
    assert en.status_code == 200
    assert "No university sign-in is set up for elsewhere.example." in en.content.decode()
    ja = client.post("/ja/accounts/university/", {"email": "someone@elsewhere.example"})
    assert "elsewhere.example 向けの大学のシングルサインオンはまだ設定されていません" in ja.content.decode()


def test_subdomain_finds_the_university(client, provider):
    request = start(client, email="a@lab.u-tokyo.example")
    assert request.acs_url == "http://portal.example/accounts/saml/utokyo/acs/"


def test_disabled_provider_is_not_offered(client, provider):
    provider.enabled = False
    provider.save()
    page = client.post("/en/accounts/university/", {"email": "hanako@u-tokyo.example"})
    assert page.status_code == 200
    assert "No university sign-in is set up for u-tokyo.example." in page.content.decode()


def test_sign_in_page_offers_the_university_sign_in(client):
    page = client.get("/en/accounts/login/").content.decode()
    assert 'href="/en/accounts/university/"' in page
    assert "Sign in with your university" in page
    ja = client.get("/ja/accounts/login/").content.decode()
    assert "大学のアカウントでログイン" in ja


def test_university_form_needs_its_csrf_token(provider):
    browser = Client(enforce_csrf_checks=True, HTTP_HOST=HOST)
    refused = browser.post("/en/accounts/university/", {"email": "hanako@u-tokyo.example"})
    assert refused.status_code == 403
    assert "socialaccount_states" not in browser.session
    browser.get("/en/accounts/university/")
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    sent = browser.post("/en/accounts/university/", {"email": "hanako@u-tokyo.example", "csrfmiddlewaretoken": token})
    assert sent.status_code == 302
    assert sent["Location"].startswith("https://idp.u-tokyo.example/idp/profile/SAML2/Redirect/SSO?SAMLRequest=")


def test_university_page_may_send_the_browser_to_an_https_idp_only(client):
    # Browsers apply the form's CSP to where its post redirects: other pages keep form-action 'self'.
    policy = client.get("/en/accounts/university/")["Content-Security-Policy"]
    assert "form-action 'self' https:" in policy
    assert "form-action 'self';" in client.get("/en/accounts/login/")["Content-Security-Policy"] + ";"


@pytest.fixture
def metadata_server(idp):
    """The IdP's metadata on a real HTTP address (a port the OS picks), as a federation publishes it."""
    body = idp.metadata().encode()
    fetched = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            fetched.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/federation-metadata.xml", fetched
    server.shutdown()
    server.server_close()


def test_sign_in_through_a_provider_configured_by_metadata_url(client, university, idp, metadata_server):
    url, fetched = metadata_server
    row = IdentityProvider.objects.create(institution=university, slug="utokyo", entity_id=idp.entity_id,
                                          metadata_url=url)
    IdentityProviderDomain.objects.create(provider=row, domain="u-tokyo.example")
    finish(client, idp.response(start(client), eppn="hanako@u-tokyo.example", mail="hanako@u-tokyo.example"))
    assert signed_in_user(client).email == "hanako@u-tokyo.example"
    client.logout()
    finish(client, idp.response(start(client), eppn="hanako@u-tokyo.example", mail="hanako@u-tokyo.example"))
    assert fetched == ["/federation-metadata.xml"]  # read once, then from the cache


def test_sign_in_without_an_address_asks_for_one_and_confirms_it_by_mail(client, provider, idp):
    """A university that releases no e-mail address: the sign-in waits in the session while the
    person types one, and the account opens once that address is confirmed by mail (an address
    typed here proves nothing, even in the university's own domain)."""
    page = finish(client, idp.response(start(client), eppn="hanako@u-tokyo.example", ja_display_name="山田 花子"))
    assert page.redirect_chain[-1][0] == "/en/accounts/3rdparty/signup/"
    text = page.content.decode()
    assert "<h1>One more step: your e-mail address</h1>" in text
    assert "Tokyo Test University has signed you in, but did not give the portal your e-mail address." in text
    assert not User.objects.exists()

    sent = client.post("/en/accounts/3rdparty/signup/", {"email": "Hanako@u-tokyo.example"})

    assert (sent.status_code, sent["Location"]) == (302, "/en/accounts/confirm-email/")
    user = User.objects.get()
    assert (user.email, user.name, user.has_usable_password()) == ("hanako@u-tokyo.example", "山田 花子", False)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified) == ("hanako@u-tokyo.example", False)
    assert SocialAccount.objects.get(user=user).uid == "hanako@u-tokyo.example"
    assert Notification.objects.filter(kind="account", email="hanako@u-tokyo.example").count() == 1
    assert signed_in_user(client) is None
    assert not Affiliation.objects.filter(user=user).exists()  # asked for once the address is proven


def test_sign_in_without_an_address_asks_in_japanese_from_the_japanese_page(client, provider, idp):
    page = finish(client, idp.response(start(client, language="ja"), eppn="jiro@u-tokyo.example"))
    assert page.redirect_chain[-1][0] == "/ja/accounts/3rdparty/signup/"
    text = page.content.decode()
    assert "<h1>あと一歩：メールアドレスの入力</h1>" in text
    assert "東京テスト大学でログインしましたが、メールアドレスがポータルに届いていません。" in text


def test_sign_up_after_sign_in_refuses_a_bad_address_and_keeps_waiting(client, provider, idp):
    finish(client, idp.response(start(client), eppn="hanako@u-tokyo.example"))

    bad = client.post("/en/accounts/3rdparty/signup/", {"email": "not an address"})

    assert bad.status_code == 200
    assert 'id="error-summary"' in bad.content.decode()
    assert "Enter a valid email address." in bad.content.decode()
    assert not User.objects.exists() and not SocialAccount.objects.exists()
    assert client.get("/en/accounts/3rdparty/signup/").status_code == 200  # the sign-in still waits


def test_sign_up_after_sign_in_with_a_taken_address_tells_only_its_owner(client, provider, idp):
    """As on the sign-up page (ACCOUNT_PREVENT_ENUMERATION): the page answers as for a new address,
    so it does not say who has an account; the owner is told by mail, and nothing is joined to them."""
    owner = UserFactory(email="taken@u-tokyo.example")
    finish(client, idp.response(start(client), eppn="hanako@u-tokyo.example"))

    taken = client.post("/en/accounts/3rdparty/signup/", {"email": "taken@u-tokyo.example"})

    assert (taken.status_code, taken["Location"]) == (302, "/en/accounts/confirm-email/")
    assert list(User.objects.all()) == [owner] and not SocialAccount.objects.exists()
    assert Notification.objects.filter(kind="account", email="taken@u-tokyo.example").count() == 1
    assert signed_in_user(client) is None


def test_sign_up_page_without_a_waiting_sign_in_sends_to_the_sign_in_page(client):
    response = client.get("/en/accounts/3rdparty/signup/")
    assert (response.status_code, response["Location"]) == (302, "/en/accounts/login/")


def test_cancelled_and_failed_sign_in_pages_offer_both_ways_to_sign_in(client):
    cancelled = client.get("/ja/accounts/3rdparty/login/cancelled/")
    failed = client.get("/en/accounts/3rdparty/login/error/")
    assert (cancelled.status_code, failed.status_code) == (200, 401)
    assert "<h1>大学のアカウントでのログインを中止しました</h1>" in cancelled.content.decode()
    assert "<h1>University sign-in failed</h1>" in failed.content.decode()
    for page, lang in ((cancelled, "ja"), (failed, "en")):
        assert f'href="/{lang}/accounts/university/"' in page.content.decode()
        assert f'href="/{lang}/accounts/login/"' in page.content.decode()
