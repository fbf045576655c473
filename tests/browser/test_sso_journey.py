"""A staff member signs in with their university (SAML) in Chromium: the portal sends them to a
test identity provider's sign-in page (an HTTP server in this process, on a port the OS picks),
they sign in there, the IdP posts its signed answer back, and the portal offers their institution.
Once their institution's contact approves them, they create an API token on their account page and
`curl` with it lists a members-only initiative that `curl` without it does not."""

import datetime
import html
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone, translation
from playwright.sync_api import expect

from members.models import Affiliation
from members.services.affiliations import affiliation_decide
from members.sso.models import IdentityProvider, IdentityProviderDomain
from tests.browser.test_visitor_journey import axe_blocking
from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from tests.sso.idp import AuthnRequest, TestIdP
from working_groups.models import Initiative
from working_groups.services import refresh_derived

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class IdPServer:
    """The IdP's two pages: its sign-in form (GET, the HTTP-Redirect binding), then the page that
    posts the signed response to the portal (HTTP-POST binding, a button: no script needed)."""

    def __init__(self):
        self.release_mail = True  # False: a university that does not give the person's address
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/idp/sso"
        self.idp = TestIdP("idp.u-tokyo.example", sso_url=self.url)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, body: str):
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._send(f"""<!DOCTYPE html><html lang="en"><title>University sign-in</title>
<h1>Tokyo Test University sign-in</h1>
<form method="post" action="/idp/sso"><input type="hidden" name="request" value="{html.escape(self.path)}">
<label>User name <input name="user"></label> <button type="submit">Log in</button></form>""")

            def do_POST(self):
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                request = AuthnRequest(form["request"][0])
                user = form["user"][0]
                mail = f"{user}@u-tokyo.example" if outer.release_mail else ""
                response = outer.idp.response(request, eppn=f"{user}@u-tokyo.example", mail=mail,
                                              ja_display_name="鈴木 一郎", display_name="Ichiro Suzuki")
                self._send(f"""<!DOCTYPE html><html lang="en"><title>Continue</title>
<form method="post" action="{html.escape(request.acs_url)}">
<input type="hidden" name="SAMLResponse" value="{response}">
<input type="hidden" name="RelayState" value="{html.escape(request.relay_state)}">
<button type="submit">Continue to the portal</button></form>""")

        return Handler

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def idp_server():
    server = IdPServer()
    yield server
    server.stop()


def university_with_provider(idp_server, settings):
    # The test IdP speaks plain HTTP on this machine; a university's speaks HTTPS (the default).
    settings.SSO_FORM_ACTION = ["https:", idp_server.url.rsplit("/idp/", 1)[0]]
    university = InstitutionFactory(name_ja="東京テスト大学", name_en="Tokyo Test University", slug="tokyo-test")
    provider = IdentityProvider.objects.create(institution=university, slug="utokyo",
                                               entity_id=idp_server.idp.entity_id,
                                               metadata_xml=idp_server.idp.metadata())
    IdentityProviderDomain.objects.create(provider=provider, domain="u-tokyo.example")
    return university


def test_staff_signs_in_with_their_university_and_is_offered_it(site, page, idp_server, settings):
    university = university_with_provider(idp_server, settings)

    site.open("/ja/accounts/login/")
    page.get_by_role("link", name="大学のアカウントでログイン").click()
    page.get_by_label("大学のメールアドレス").fill("suzuki@u-tokyo.example")
    page.get_by_role("button", name="大学のログインページへ進む").click()

    page.wait_for_url(lambda url: url.startswith(idp_server.url + "?SAMLRequest="))
    page.get_by_label("User name").fill("suzuki")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Continue to the portal").click()

    page.wait_for_url(f"{site.url}/ja/")  # back in Japanese, where the journey began, on the dashboard
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="マイページ").click()
    affiliations = page.locator("section[aria-labelledby='affiliations-title']")
    assert "東京テスト大学" in affiliations.inner_text()
    with translation.override("ja"):
        assert str(Affiliation.Status.PENDING.label) in affiliations.inner_text()
    person = Affiliation.objects.get(institution=university)
    assert (person.user.email, person.user.name, person.status) == (
        "suzuki@u-tokyo.example", "鈴木 一郎", Affiliation.Status.PENDING)

    # The university's contact approves the request (on their own page; here, through the service).
    contact = staff_of(university, role=Affiliation.Role.CONTACT, email="contact@u-tokyo.example")
    affiliation_decide(affiliation=person, by=contact, approve=True)
    other = InstitutionFactory(slug="kyoto-test", name_ja="京都テスト大学", name_en="Kyoto Test University")
    members_only = Initiative(institution=other, slug="kyoto-heat-pumps", title="会員限定のヒートポンプ更新",
                              summary="会員だけが読める取組。", body="本文", prefecture=other.prefecture,
                              started_on=datetime.date(2024, 4, 1), status=Initiative.Status.PUBLISHED,
                              visibility=Initiative.Visibility.MEMBERS, published_at=timezone.now())
    refresh_derived(members_only)
    members_only.save()
    members_only.themes.set([WorkingGroupFactory()])

    # A token on the account page, shown once; then curl, a real HTTP client outside the browser.
    site.open("/ja/account/#tokens")
    page.get_by_label("トークンの名前").fill("研究室の集計スクリプト")
    page.get_by_role("button", name="トークンを作成").click()
    raw = page.get_by_label("トークン", exact=True).input_value()
    assert raw.startswith("cnp_")

    def curl(*headers) -> dict:
        out = subprocess.run(["curl", "--silent", "--show-error", "--fail-with-body", "--max-time", "20",
                              *[arg for h in headers for arg in ("-H", h)],
                              f"{site.url}/api/v1/initiatives/?q={quote('ヒートポンプ')}"],
                             capture_output=True, check=True, text=True, timeout=30)
        return json.loads(out.stdout)

    assert [r["slug"] for r in curl(f"Authorization: Bearer {raw}")["results"]] == ["kyoto-heat-pumps"]
    assert curl()["results"] == []  # the same call without the token: a visitor, who does not see it


# The words of the journey below, in each language.
WORDS = {
    "ja": {"email": "大学のメールアドレス", "continue": "大学のログインページへ進む",
           "heading": "あと一歩：メールアドレスの入力", "address": "メールアドレス", "create": "アカウントを作成",
           "cancelled": "大学のアカウントでのログインを中止しました",
           "failed": "大学のアカウントでのログインに失敗しました"},
    "en": {"email": "Your university e-mail address", "continue": "Continue to my university",
           "heading": "One more step: your e-mail address", "address": "Email", "create": "Create my account",
           "cancelled": "University sign-in cancelled", "failed": "University sign-in failed"},
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_university_that_gives_no_address_leads_to_an_accessible_page_asking_for_one(
        site, page, idp_server, settings, language):
    """The university signs the person in but releases no e-mail address: the portal asks for one on
    its own page (no serious or critical axe violation, nor on the pages of a cancelled or failed
    university sign-in), and the account waits for that address to be confirmed by mail."""
    words = WORDS[language]
    university_with_provider(idp_server, settings)
    idp_server.release_mail = False

    site.open(f"/{language}/accounts/university/")
    page.locator("main").get_by_label(words["email"]).fill("suzuki@u-tokyo.example")
    page.get_by_role("button", name=words["continue"]).click()
    page.wait_for_url(lambda url: url.startswith(idp_server.url + "?SAMLRequest="))
    page.get_by_label("User name").fill("suzuki")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Continue to the portal").click()

    page.wait_for_url(f"{site.url}/{language}/accounts/3rdparty/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["heading"])
    assert page.locator("html").get_attribute("lang") == language
    assert axe_blocking(page) == ""
    page.locator("main").get_by_label(words["address"]).fill("ichiro.suzuki@u-tokyo.example")
    page.get_by_role("button", name=words["create"]).click()

    page.wait_for_url(f"{site.url}/{language}/accounts/confirm-email/")
    address = EmailAddress.objects.get(email="ichiro.suzuki@u-tokyo.example")
    assert (address.verified, address.user.name) == (False, "鈴木 一郎")

    for path, heading in (("login/cancelled/", words["cancelled"]), ("login/error/", words["failed"])):
        site.open(f"/{language}/accounts/3rdparty/{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert page.locator("html").get_attribute("lang") == language
        assert axe_blocking(page) == ""
