"""axe-core on the secretariat's pages, the two-factor pages, the news form and the newsletter
issue form, in Japanese and in English: no serious or critical violation (the same helper and the
same rules as tests/browser/test_accessibility.py, which covers the public and members' pages)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from meetings.models import Meeting
from members.notifications.models import Notification
from tests.factories import PASSWORD, UserFactory, secretariat_user

from .test_accessibility import AXE, BLOCKING, REVIEW_IS_FAILURE, describe, sign_in
from .test_accessibility import make_world as make_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# name: (path, who: "secretariat" (two-factor set up), "user" (a signed-in person without it), or
# "user with password" (who has just given their password again, as allauth asks before setting up
# a second factor))
PAGES = {
    "secretariat": ("/secretariat/", "secretariat"),
    "member-admin": ("/secretariat/members/", "secretariat"),
    "member-import": ("/secretariat/members/import/", "secretariat"),
    "people-import": ("/secretariat/people/import/", "secretariat"),
    "outbox": ("/secretariat/outbox/", "secretariat"),
    "outbox-message": ("/secretariat/outbox/{notification}/", "secretariat"),
    "digest-runs": ("/secretariat/digests/", "secretariat"),
    "progress-review": ("/secretariat/progress/", "secretariat"),
    "news-form": ("/news/new/", "secretariat"),
    "news-edit": ("/news/{news}/edit/", "secretariat"),
    "newsletter-issues": ("/newsletter/issues/", "secretariat"),
    "newsletter-issue-form": ("/newsletter/issues/new/", "secretariat"),
    "two-factor": ("/accounts/2fa/", "secretariat"),
    "reauthenticate": ("/accounts/reauthenticate/", "user"),
    "two-factor-activate": ("/accounts/2fa/totp/activate/", "user with password"),
}


@pytest.fixture
def desk(committed_world):
    """The module's world (``make_world``), built once for the module's tests: they only read it."""
    return committed_world


def make_world(media_root):
    """The portal of tests/browser/test_accessibility.py, a member of the secretariat (two-factor
    set up) and a failed message in the outbox."""
    params, _staff = make_portal(media_root)
    desk = secretariat_user(email="desk@coalition.example.org", name="事務局 太郎")
    meeting = Meeting.objects.get(pk=params["meeting"])
    notification = Notification.objects.create(
        kind="meeting_announced", email="reader@example.org", language="en", dedup_key="a11y-outbox",
        content_type=ContentType.objects.get_for_model(meeting), object_id=meeting.pk,
        status=Notification.Status.FAILED, last_error="550 no such user")
    return {**params, "notification": notification.pk}, desk


def assert_no_blocking(page, url):
    results = AXE.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    blocking = [
        result
        for result in results["violations"] + [r for r in results["incomplete"] if r["id"] in REVIEW_IS_FAILURE]
        if result["impact"] in BLOCKING
    ]
    assert not blocking, f"{url}: {len(blocking)} serious or critical accessibility violation(s)\n" + "\n".join(
        describe(result) for result in blocking)



@pytest.fixture
def page(module_page):
    """The module's one browser page, emptied of cookies before each test (tests/browser/conftest.py)."""
    return module_page

@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("language", ["ja", "en"])
def test_secretariat_and_two_factor_pages_have_no_serious_violation(site, page, desk, client, live_server,
                                                                     language, name):
    params, secretariat = desk
    path, who = PAGES[name]
    sign_in(page, client, live_server, secretariat if who == "secretariat" else UserFactory())
    url = f"/{language}{path.format(**params)}"
    response = page.goto(site.url + url)
    if who == "user with password":  # allauth asks for the password again first
        page.locator("input[name=password]").fill(PASSWORD)
        with page.expect_navigation() as navigation:
            page.locator("main form button[type=submit]").first.click()
        response = navigation.value
    assert (response.status, page.url, page.locator("html").get_attribute("lang")) == (200, site.url + url, language)
    assert_no_blocking(page, url)


def sign_in_with_password(page, site, language, user):
    page.goto(f"{site.url}/{language}/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_second_factor_page_of_the_sign_in_has_no_serious_violation(site, page, desk, language):
    _params, secretariat = desk
    sign_in_with_password(page, site, language, secretariat)
    page.wait_for_url(f"**/{language}/accounts/2fa/authenticate/")
    assert page.locator("html").get_attribute("lang") == language
    assert_no_blocking(page, page.url)
