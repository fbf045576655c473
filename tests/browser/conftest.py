"""Browser journeys: headless Chromium (Debian's) against Django's live server.

The live server runs in this process, so mail sent by the portal is in ``django.core.mail.outbox``
and Celery tasks run eagerly, exactly as on the embedded default.
"""

import pytest


@pytest.fixture
def site(live_server, page, settings):
    """A page bound to the live server, with a helper to open paths. The site's address (SITE_URL,
    the one source of every link in e-mails) is the live server's."""
    page.set_default_timeout(10_000)
    settings.SITE_URL = live_server.url

    class Site:
        url = live_server.url

        def open(self, path):
            page.goto(live_server.url + path)
            return page

    return Site()
