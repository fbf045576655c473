"""Browser journeys: headless Chromium (Debian's) against Django's live server.

The live server runs in this process, so mail sent by the portal is in ``django.core.mail.outbox``
and Celery tasks run eagerly, exactly as on the embedded default.
"""

import pytest

from tests.conftest import BROWSER_CONTEXT

# How long a page waits for what it is told to wait for: an element, an event (ACTION), and a page to
# load, every file and image of it (NAVIGATION). A load is the costliest wait, and the first page a
# fresh live server serves renders without any cache (the map, the fragments): on a machine with
# other work (a load average of 17 on two cores, with -n 2) that took more than 10 s, and the
# accessibility test failed on its first page. A bound, not a delay: a fast load returns at once.
ACTION_TIMEOUT = 10_000
NAVIGATION_TIMEOUT = 30_000


def set_timeouts(page):
    page.set_default_timeout(ACTION_TIMEOUT)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
    return page


@pytest.fixture
def site(live_server, page, settings):
    """A page bound to the live server, with a helper to open paths. The site's address (SITE_URL,
    the one source of every link in e-mails) is the live server's."""
    set_timeouts(page)
    settings.SITE_URL = live_server.url

    class Site:
        url = live_server.url

        def open(self, path):
            page.goto(live_server.url + path)
            return page

    return Site()


@pytest.fixture(scope="module")
def _module_page(browser):
    """One browser context for a module's tests, and its page (see ``module_page``)."""
    context = browser.new_context(**BROWSER_CONTEXT)
    pages = [_uncached_page(context)]
    yield context, pages
    context.close()


def _uncached_page(context):
    """A page of ``context`` whose every request goes to the server, as in a new context: the
    browser's cache is off (Chromium's own switch, through the DevTools protocol)."""
    page = context.new_page()
    context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    return page


@pytest.fixture
def module_page(_module_page):
    """The module's one page, as a new one would be: on about:blank, without any cookie (so signed
    out), the browser's cache off, the timeouts set. For a module of tests that each open pages and
    read them, as the accessibility modules do (a fixture ``page`` returning this one): a new browser
    context for each test, with the first load of a page and of axe in it, was more than half of each
    test's time. The site keeps nothing in the browser but its cookies (no local or session storage,
    no service worker)."""
    context, pages = _module_page
    if pages[0].is_closed():  # a test closed it, or it crashed: the next test gets a new one
        pages[0] = _uncached_page(context)
    page = pages[0]
    page.goto("about:blank")
    context.clear_cookies()
    return set_timeouts(page)
