"""The site's defences as a whole: every URL pattern in a permission matrix, CSRF on every POST,
no redirect off the site, and the headers and cookies of production.

The permission matrices live with their apps (tests/<app>/test_permissions.py) and, for the views
none of them reaches, in tests/coalition/test_permissions.py. Each states the URL names it requests
(``COVERED_URL_NAMES``, computed from its actions); here every pattern of the project must be in
one of them. The CSRF checks reuse the matrices' allowed POSTs: the same request, by the same
person, refused without the token (nothing changes) and accepted with it (the cases, ``CSRF_CASES``,
run in tests/coalition/test_csrf_cases.py, which builds each matrix's world once for its cases).
"""

import inspect
import json
import re
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from members.access import safe_next
from members.models import Affiliation, Institution, User
from members.notifications.models import Notification
from tests.api import test_permissions as api_matrix
from tests.coalition import test_permissions as site_matrix
from tests.coalition.test_settings import PROD_KEY, run
from tests.cooperation import test_permissions as cooperation_matrix
from tests.dissemination import test_permissions as dissemination_matrix
from tests.factories import (
    PASSWORD,
    InstitutionFactory,
    UserFactory,
    WorkingGroupFactory,
    secretariat_user,
    staff_of,
    totp_code,
)
from tests.governance import test_group_proposals as group_proposals_matrix
from tests.governance import test_messages as messages_matrix
from tests.governance import test_permissions as governance_matrix
from tests.meetings import test_permissions as meetings_matrix
from tests.members import test_permissions as members_matrix
from tests.members import test_writing as writing_matrix
from tests.progress import test_permissions as progress_matrix
from tests.url_names import Probe, url_name, url_patterns
from tests.working_groups import test_people_import as people_import_matrix
from tests.working_groups import test_permissions as working_groups_matrix
from working_groups.models import Membership, Participation

pytestmark = pytest.mark.django_db

MATRICES = {
    "members": members_matrix,
    "working_groups": working_groups_matrix,
    "meetings": meetings_matrix,
    "cooperation": cooperation_matrix,
    "governance": governance_matrix,
    "messages": messages_matrix,
    "dissemination": dissemination_matrix,
    "site": site_matrix,
    "progress": progress_matrix,
    "api": api_matrix,
}
# Pages whose role table is a parametrized test of its own module rather than a matrix above (one
# view each, with its own world); each module states the names it covers as COVERED_URL_NAMES.
ROLE_TABLES = {
    "group proposals": group_proposals_matrix,  # test_coordination_answer_permission_matrix
    "people import": people_import_matrix,  # test_people_import_permission_matrix
    "writing widgets": writing_matrix,  # the preview's and the picker's role tables
}

# ---------------------------------------------------------------------------------------------
# Every URL pattern is in a permission matrix
# ---------------------------------------------------------------------------------------------

APP_NAMESPACES = {"members", "notifications", "working_groups", "cooperation", "meetings", "progress", "governance",
                  "dissemination", "sso", "api"}
# Patterns outside the matrices, and why. Anything else the project routes must be in one.
EXCLUDED = {
    # Django admin: one gate for all of it (members/admin_site.py, the secretariat with two-factor);
    # tests/members/test_accounts.py and tests/coalition/test_admin.py check it.
    "admin namespace": lambda namespace, callback: namespace == "admin",
    # allauth's sign-up, sign-in, e-mail, password and two-factor pages: public by nature, tested in
    # tests/members/test_accounts.py; their redirects are checked below.
    "allauth": lambda namespace, callback: namespace is None and callback.__module__.startswith("allauth."),
    # allauth's permanent redirects from its old social-account addresses to the pages above.
    "allauth legacy redirects": lambda namespace, callback: namespace is None and getattr(
        callback, "view_initkwargs", {}).get("pattern_name", "").startswith("socialaccount_"),
}
# Not routed at all: static files are served by WhiteNoise's middleware (no URL pattern), and
# Django's set_language view is not installed (the language switch is a plain link to the same page
# under the other prefix; see the redirect tests below).


def project_patterns():
    """(name, route) of every pattern of ours: the three apps' namespaces and coalition's own views."""
    ours, unclassified = [], []
    for namespace, name, route, callback in url_patterns():
        if namespace in APP_NAMESPACES or (namespace is None and callback.__module__.startswith("coalition.")):
            ours.append((name, route))
        elif not any(excluded(namespace, callback) for excluded in EXCLUDED.values()):
            unclassified.append(route)
    assert unclassified == [], "route these patterns into a matrix or EXCLUDED (with the reason)"
    return ours


def test_every_url_pattern_is_in_a_permission_matrix():
    ours = project_patterns()
    assert [route for name, route in ours if name is None] == []
    covered = frozenset().union(*(module.COVERED_URL_NAMES for module in [*MATRICES.values(), *ROLE_TABLES.values()]))
    names = {name for name, _ in ours}
    assert sorted(names - covered) == []
    assert sorted(covered - names) == []  # a matrix requesting an excluded or unknown page


def test_no_static_or_set_language_route():
    """The exclusions above rest on these: say so when one changes."""
    assert [route for _, _, route, _ in url_patterns() if route.lstrip("^").startswith(("static", "i18n"))] == []
    with pytest.raises(NoReverseMatch):
        reverse("set_language")


def test_probe_resolves_like_the_real_world(client, world_factory):
    """``COVERED_URL_NAMES`` is computed with a stand-in world: the real paths reach the same views."""
    for key, module in MATRICES.items():
        with transaction.atomic():  # one world at a time: they share slugs
            world = world_factory(key)
            for name, action in module.ACTIONS.items():
                assert url_name(action.path(world)) == url_name(action.path(Probe())), (key, name)
            transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------
# CSRF on every POST
# ---------------------------------------------------------------------------------------------

CSRF_TEXT = {"ja": "フォームを送信できませんでした", "en": "The form could not be sent"}
# Views that take a POST without a CSRF token, and why.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail programs POST without a session or a token; the signed
    # token in the address is the authorisation (a forged one changes nothing: tests/coalition/
    # test_permissions.py, unsubscribe_forged_post).
    "notifications:unsubscribe",
}


@pytest.fixture
def world_factory(settings, tmp_path):
    """Build a matrix module's world (its ``make_world(media)``, or its ``world`` fixture's function
    with the fixtures it asks for), here in the test (test_probe_resolves_like_the_real_world builds
    each matrix's in turn)."""

    def build(key):
        if hasattr(MATRICES[key], "make_world"):
            settings.MEDIA_ROOT = tmp_path
            return MATRICES[key].make_world(tmp_path)
        function = MATRICES[key].world.__wrapped__
        available = {"settings": settings, "tmp_path": tmp_path}
        return function(**{name: available[name] for name in inspect.signature(function).parameters})

    return build


def _call(function, *args):
    """Call a matrix lambda with as many of (world, user) as it takes (the apps' signatures differ)."""
    return function(*args[:len(inspect.signature(function).parameters)])


def _state(key, tmp_path):
    return _call(MATRICES[key].db_state, tmp_path)


def _csrf_cases():
    """One allowed POST per URL name: the first action of each matrix that posts there, by the first
    role the matrix allows."""
    seen = {}
    for key, module in MATRICES.items():
        for action_name, action in module.ACTIONS.items():
            if not action.is_post:
                continue
            name = url_name(action.path(Probe()))
            allowed = [role for role, outcome in zip(module.ROLES, module.MATRIX[action_name], strict=True)
                       if outcome == module.OK and role != "visitor"]
            if name in seen or name in CSRF_EXEMPT or not allowed:
                continue
            seen[name] = pytest.param(key, action_name, allowed[0], id=f"{name}-{action_name}-{allowed[0]}")
    return seen


CSRF_CASES = _csrf_cases()


def post_views():
    """The names of our views that take a POST (a view class with a ``post`` method)."""
    names = set()
    for namespace, name, _route, callback in url_patterns():
        view_class = getattr(callback, "view_class", None)
        if name and view_class is not None and hasattr(view_class, "post") and (
                namespace in APP_NAMESPACES or callback.__module__.startswith("coalition.")):
            names.add(name)
    return names


# Views whose POST has no place in a matrix (it changes no row, or its role table is in its own
# module), with the test that refuses it without its token.
CSRF_TESTED_ELSEWHERE = {
    # "sign in with your university": the POST only starts a SAML sign-in (a redirect to the IdP)
    "sso:university": "tests/sso/test_sign_in.py::test_university_form_needs_its_csrf_token",
    # pages whose role table is in their own module (ROLE_TABLES)
    "governance:motion-coordination":
        "tests/governance/test_group_proposals.py::test_coordination_answer_needs_its_csrf_token",
    "working_groups:people-import":
        "tests/working_groups/test_people_import.py::test_people_import_needs_its_csrf_token",
    # the Markdown preview changes nothing, but renders only for the page's own requests
    "members:markdown-preview": "tests/members/test_writing.py::test_preview_without_csrf_token_is_refused",
}


def test_every_view_that_takes_a_post_has_a_csrf_case():
    assert sorted(post_views() - set(CSRF_CASES) - CSRF_EXEMPT - set(CSRF_TESTED_ELSEWHERE)) == []


def with_token(client, data):
    """``data`` with a valid CSRF token (and its cookie on the client)."""
    token = _get_new_csrf_string()
    client.cookies[django_settings.CSRF_COOKIE_NAME] = token
    return {**data, "csrfmiddlewaretoken": token}


def sample_path(route_name: str, route: str, language="ja") -> str:
    """A path to the pattern with placeholder arguments (the CSRF check runs before the view)."""
    kwargs = {}
    for argument in re.findall(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>(\[0-9\])?", route):
        converter, name, regex_name, digits = argument
        kwargs[name or regex_name] = 1 if converter == "int" or digits else "x"
    with translation.override(language):
        return reverse(route_name, kwargs=kwargs)


@pytest.mark.parametrize("route_name", sorted(name for name, _ in project_patterns()))
def test_post_without_csrf_token_to_any_page_is_refused(client, route_name):
    """Whatever the view (a GET-only page, a feed): no pattern answers a token-less POST but the
    exempt ones."""
    route = dict(project_patterns())[route_name]
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat_user())
    response = client.post(sample_path(route_name, route), {"anything": "1"})
    if route_name in CSRF_EXEMPT:
        assert response.status_code == 400  # the placeholder token is not a signed one: nothing done
    elif route_name.startswith("api:"):
        # The API takes no cookies, only a token in the Authorization header (which a cross-site
        # form cannot send): a signed-in browser's POST there is a visitor's, refused.
        assert response.status_code in (401, 405)
        assert CSRF_TEXT["ja"] not in response.content.decode()
    else:
        assert response.status_code == 403
        assert CSRF_TEXT["ja"] in response.content.decode()


def test_csrf_failure_page_is_translated(client):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post("/en/account/", {"name": "x", "language": "en"})
    content = response.content.decode()
    assert response.status_code == 403
    assert CSRF_TEXT["en"] in content
    assert '<html lang="en">' in content
    assert CSRF_TEXT["ja"] not in content


ACCOUNT_POSTS = {
    # path: (data, what must not have happened)
    "/ja/accounts/login/": ({"login": "known@example.org", "password": PASSWORD},
                            lambda c: "_auth_user_id" not in c.session),
    "/ja/accounts/signup/": ({"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD,
                              "name": "新規 太郎", "language": "ja"},
                             lambda c: not User.objects.filter(email="new@example.org").exists()),
    "/ja/accounts/password/reset/": ({"email": "known@example.org"},
                                     lambda c: Notification.objects.count() == 0 and mail.outbox == []),
}


@pytest.mark.parametrize("path", list(ACCOUNT_POSTS))
def test_account_post_without_csrf_token_is_refused(deliver, path):
    UserFactory(email="known@example.org")
    client = Client(enforce_csrf_checks=True)
    data, nothing_happened = ACCOUNT_POSTS[path]
    with deliver():
        response = client.post(path, data)
    assert response.status_code == 403
    assert CSRF_TEXT["ja"] in response.content.decode()
    assert nothing_happened(client)


def test_sign_out_without_csrf_token_keeps_the_session(client):
    client = Client(enforce_csrf_checks=True)
    user = UserFactory()
    client.force_login(user)
    response = client.post("/ja/accounts/logout/")
    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(user.pk)


def test_admin_post_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretariat_user())
    response = client.post("/ja/admin/members/institution/add/", {"name_ja": "管理画面大学", "slug": "admin-univ"})
    assert response.status_code == 403
    assert Institution.objects.filter(slug="admin-univ").exists() is False


# ---------------------------------------------------------------------------------------------
# No redirect off the site
# ---------------------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example",
    "http://evil.example/ja/account/",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:/\\/evil.example",
    "https://testserver@evil.example/",
    "https://evil.example\\@testserver/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
]
# Encoded once more than a form sends them: to a browser, relative paths (harmless, but no page).
ENCODED = [
    "https%3A%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "%5C%5Cevil.example",
    "javascript%3Aalert(1)",
    "evil.example",
]
C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def lands_on_this_site(location: str, host: str = "testserver") -> bool:
    """Whether a browser following this Location (or href) stays here: spaces and control
    characters around it dropped, tabs and newlines inside removed, backslashes read as slashes;
    then a path (absolute or relative) stays, as does an http(s) address of this host; an address
    with any other scheme or host ("//host", "https:host", "javascript:") leaves."""
    value = re.sub(r"[\t\n\r]", "", location.strip(C0_AND_SPACE)).replace("\\", "/")
    if value.startswith("//"):
        return False
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", value):
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and value[len(parts.scheme):].startswith("://") and (
            parts.netloc == host)
    return True


def test_lands_on_this_site_reads_addresses_as_a_browser_does():
    assert [target for target in OFF_SITE if lands_on_this_site(target)] == []
    assert [target for target in ENCODED if not lands_on_this_site(target)] == []
    assert lands_on_this_site("/ja/members/univ-a/people/") is True
    assert lands_on_this_site("http://testserver/ja/account/?tab=1#calendar") is True


@pytest.mark.parametrize("target", OFF_SITE + ENCODED + ["", "account", "members:account", "/"])
def test_safe_next_takes_only_paths_of_this_site(target):
    """Off-site targets and anything that is not a path from the root (a relative one would be read
    from the action's address, a bare word as a URL name) give the action's own page."""
    for method in ("get", "post"):
        request = getattr(RequestFactory(), method)("/ja/x/", {"next": target})
        with translation.override("ja"):
            expected = target if target == "/" else "/ja/account/"
            assert safe_next(request, "members:account") == expected


@pytest.mark.parametrize("target", ["/ja/members/univ-a/people/", "/en/account/?tab=1"])
def test_safe_next_keeps_paths_of_this_site(target):
    request = RequestFactory().post("/ja/x/", {"next": target})
    assert safe_next(request, "members:account") == target


@pytest.fixture
def people():
    """The actions that honour ``next`` (members/access.safe_next), each with someone allowed."""
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく")
    contact = staff_of(a, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp")
    staff = staff_of(a, email="staff@alpha.example.ac.jp")
    group = WorkingGroupFactory(slug="campus", coordinators=[a])
    return {
        "a": a, "contact": contact, "staff": staff, "group": group,
        "secretariat": secretariat_user(),
        "pending": Affiliation.objects.create(user=UserFactory(), institution=a),
        "membership": Membership.objects.create(group=group, user=staff, institution=a,
                                                status=Membership.Status.ACTIVE),
        "request": Membership.objects.create(group=group, user=contact, institution=a),
        "participation": Participation.objects.create(group=group, institution=a),
        "failed": Notification.objects.create(kind="application_received", email="x@example.org",
                                              dedup_key="redirect-test", status=Notification.Status.FAILED),
    }


NEXT_ACTIONS = {
    # name: (who, path, data, the page it goes to without a usable next)
    "affiliation-decide": ("contact", lambda p: f"/ja/account/affiliations/{p['pending'].pk}/decide/",
                           {"decision": "approve", "role": "staff"}, "/ja/members/univ-a/people/"),
    "affiliation-role": ("contact", lambda p: f"/ja/account/affiliations/{p['staff'].affiliations.get().pk}/role/",
                         {"role": "staff"}, "/ja/members/univ-a/people/"),
    "affiliation-end": ("staff", lambda p: f"/ja/account/affiliations/{p['staff'].affiliations.get().pk}/end/",
                        {"reason": ""}, "/ja/account/"),
    "membership-end": ("staff", lambda p: f"/ja/working-groups/memberships/{p['membership'].pk}/end/", {},
                       "/ja/working-groups/campus/"),
    "membership-decide": ("secretariat", lambda p: f"/ja/working-groups/memberships/{p['request'].pk}/decide/",
                          {"decision": "approve"}, "/ja/working-groups/campus/manage/"),
    "participation-decide": ("secretariat",
                             lambda p: f"/ja/working-groups/participations/{p['participation'].pk}/decide/",
                             {"decision": "approve"}, "/ja/working-groups/campus/manage/"),
    "outbox-resend": ("secretariat", lambda p: f"/ja/secretariat/outbox/{p['failed'].pk}/resend/", {},
                      "/ja/secretariat/outbox/"),
}


@pytest.mark.parametrize("action", list(NEXT_ACTIONS))
def test_action_with_off_site_next_goes_to_its_own_page(client, deliver, people, action):
    """Each action is posted with every off-site ``next`` (in the form and in the query string); it
    answers (done or not) with a redirect to its own page, and with a path of the site when ``next``
    is one."""
    who, path, data, default = NEXT_ACTIONS[action]
    client.force_login(people[who])
    wrong = []
    for target in OFF_SITE + ENCODED:
        for url, body in ((path(people), {**data, "next": target}),
                          (f"{path(people)}?next={quote(target, safe='')}", data)):
            Notification.objects.filter(pk=people["failed"].pk).update(status=Notification.Status.FAILED)
            with deliver():
                response = client.post(url, body)
            if (response.status_code, response.get("Location")) != (302, default):
                wrong.append((target, response.status_code, response.get("Location")))
    assert wrong == []
    Notification.objects.filter(pk=people["failed"].pk).update(status=Notification.Status.FAILED)
    with deliver():
        response = client.post(path(people), {**data, "next": "/ja/members/?q=甲"})
    assert response["Location"] == f"/ja/members/?q={quote('甲')}"


@pytest.mark.parametrize("where", ["query", "form"])
@pytest.mark.parametrize("target", OFF_SITE + ENCODED)
def test_sign_in_with_off_site_next_stays_on_the_site(client, target, where):
    UserFactory(email="person@example.org")
    data = {"login": "person@example.org", "password": PASSWORD}
    if where == "form":
        response = client.post("/ja/accounts/login/", {**data, "next": target})
    else:
        response = client.post(f"/ja/accounts/login/?next={quote(target, safe='')}", data)
    assert response.status_code == 302
    assert lands_on_this_site(response["Location"]), response["Location"]
    assert client.session["_auth_user_id"]
    # signed in, the sign-in page sends the person on: not off the site either
    again = client.get(f"/ja/accounts/login/?next={quote(target, safe='')}")
    assert again.status_code == 302 and lands_on_this_site(again["Location"]), again["Location"]


def test_sign_in_keeps_a_next_on_this_site(client):
    UserFactory(email="person@example.org")
    response = client.post("/ja/accounts/login/?next=/ja/meetings/%3Fwhen%3Dpast",
                           {"login": "person@example.org", "password": PASSWORD})
    assert response["Location"] == "/ja/meetings/?when=past"


@pytest.mark.parametrize("target", OFF_SITE + ENCODED)
def test_secretariat_two_factor_sign_in_with_off_site_next_stays_on_the_site(client, target):
    user = secretariat_user(email="desk@coalition.example.org")
    first = client.post("/ja/accounts/login/", {"login": user.email, "password": PASSWORD, "next": target})
    assert first["Location"] == "/ja/accounts/2fa/authenticate/"
    second = client.post("/ja/accounts/2fa/authenticate/", {"code": totp_code()})
    assert second.status_code == 302
    assert lands_on_this_site(second["Location"]), second["Location"]
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("target", OFF_SITE + ENCODED)
def test_sign_out_and_sign_up_with_off_site_next_stay_on_the_site(client, deliver, target):
    client.force_login(UserFactory())
    out = client.post("/ja/accounts/logout/", {"next": target})
    assert (out.status_code, lands_on_this_site(out["Location"])) == (302, True), out["Location"]
    with deliver():
        up = client.post("/ja/accounts/signup/", {"email": "new@example.org", "password1": PASSWORD,
                                                  "password2": PASSWORD, "name": "新規 太郎", "language": "ja",
                                                  "next": target})
    assert (up.status_code, up["Location"]) == (302, "/ja/accounts/confirm-email/")


@pytest.mark.parametrize("target", OFF_SITE + ENCODED)
def test_admin_sign_in_with_off_site_next_stays_on_the_site(client, target):
    """The admin sends visitors to the portal's sign-in with the ``next`` it was given; the sign-in
    then refuses it."""
    response = client.get(f"/ja/admin/login/?next={quote(target, safe='')}")
    assert response.status_code == 302
    assert response["Location"].startswith("/ja/accounts/login/?next=")
    UserFactory(email="person@example.org")
    signed_in = client.post(response["Location"], {"login": "person@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert lands_on_this_site(signed_in["Location"]), signed_in["Location"]


@pytest.mark.parametrize("target", OFF_SITE + ENCODED)
def test_admin_sign_out_with_off_site_next_stays_on_the_site(client, target):
    client.force_login(secretariat_user())
    response = client.post("/ja/admin/logout/", {"next": target})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert lands_on_this_site(response["Location"]), response["Location"]


CRAFTED_PATHS = [
    "//evil.example", "//evil.example/", "///evil.example/", "/\\evil.example", "/%5Cevil.example/",
    "/%2F%2Fevil.example", "/%2F%2Fevil.example/", "/%2F/evil.example/", "/ja//evil.example", "/ja//evil.example/",
    "/ja/%2F%2Fevil.example/", "/ja/\\evil.example/", "/en///evil.example/x", "/ja/members//evil.example",
    "/%09/evil.example/", "/ja/members/%2F%2Fevil.example/",
]


@pytest.mark.parametrize("path", CRAFTED_PATHS)
def test_crafted_address_neither_redirects_nor_links_off_the_site(client, path):
    """The language redirect, the trailing-slash redirect and the language switch of the page (a
    link to the same address in the other language) all stay on the site."""
    response = client.get(path)
    if response.status_code in (301, 302):
        assert lands_on_this_site(response["Location"]), response["Location"]
        response = client.get(response["Location"])
    hrefs = re.findall(r'href="([^"]*)"', response.content.decode())
    assert hrefs
    assert [href for href in hrefs if not lands_on_this_site(href) and "evil" in href] == []


# ---------------------------------------------------------------------------------------------
# Production: headers and cookies
# ---------------------------------------------------------------------------------------------

PRODUCTION_RESPONSES = r"""
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

call_command("collectstatic", interactive=False, verbosity=0)
setup_test_environment()
connection.creation.create_test_db(verbosity=0, autoclobber=True)
from tests.factories import PASSWORD, UserFactory

UserFactory(email="prod@example.org")
client = Client(headers={"host": "portal.example.org"})
out = {}

def record(name, response):
    out[name] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {key: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
                          "samesite": m["samesite"]} for key, m in response.cookies.items()},
    }

record("plain", client.get("/ja/members/"))
record("page", client.get("/ja/accounts/login/", secure=True))
record("sign_in", client.post("/ja/accounts/login/", {"login": "prod@example.org", "password": PASSWORD},
                              secure=True))
record("account", client.get("/ja/account/", secure=True))
record("not_found", client.get("/ja/no-such-page/", secure=True))
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Responses of the portal running with DJANGO_ENV=production (a fresh process, a test database)."""
    root = tmp_path_factory.mktemp("production")
    out = run(["-c", PRODUCTION_RESPONSES], {
        "DJANGO_ENV": "production", "DJANGO_SECRET_KEY": PROD_KEY, "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}", "STATIC_ROOT": str(root / "static"),
        "MEDIA_ROOT": str(root / "media"),
    }, drop=("DJANGO_ALLOW_ASYNC_UNSAFE",))
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.split("RESULT ", 1)[1])


def csp(headers) -> dict[str, list[str]]:
    policy = headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_production_sends_plain_http_to_https(production):
    assert (production["plain"]["status"], production["plain"]["headers"]["Location"]) == (
        301, "https://portal.example.org/ja/members/")


@pytest.mark.parametrize("response", ["page", "sign_in", "account", "not_found"])
def test_production_responses_carry_the_security_headers(production, response):
    headers = production[response]["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = csp(headers)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert policy[directive] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other origin


def test_production_cookies_are_secure(production):
    page, sign_in = production["page"]["cookies"], production["sign_in"]["cookies"]
    assert page["csrftoken"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert sign_in["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert sign_in["csrftoken"]["secure"] is True  # rotated at sign-in
    assert production["sign_in"]["status"] == 302
    assert production["account"]["status"] == 200

