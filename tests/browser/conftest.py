"""Browser journeys: headless Chromium (Debian's) against Django's live server.

The live server runs in this process, so mail sent by the portal is in ``django.core.mail.outbox``
and Celery tasks run eagerly, exactly as on the embedded default.
"""

import pytest

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
