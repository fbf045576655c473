"""axe-core on the general meeting's pages, in Japanese and English: the sessions, a session with its
motions and the representative's proxy form, a decided motion, and an open motion with the ballot."""

import pytest

from meetings.governance import services
from tests.browser.test_accessibility import AXE, BLOCKING, REVIEW_IS_FAILURE, describe, sign_in
from tests.governance.conftest import make_coalition

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = {
    "sessions": "/general-meeting/",
    "session": "/general-meeting/{session}/",
    "decided-motion": "/motions/{decided}/",
    "open-motion": "/motions/{open}/",
}


@pytest.fixture
def coalition_pages(committed_world):
    """The module's world (``make_world``), built once for the module's tests: they only read it."""
    return committed_world


def make_world(media_root):
    c = make_coalition(n=3)
    decided = c.motion(title_ja="声明の採択", title_en="Adoption of a statement")
    for n, choice in enumerate(("for", "for", "against")):
        services.vote_cast(motion=decided, institution=c.institutions[n], by=c.reps[n], choice=choice)
    services.motion_close_voting(motion=decided, by=c.secretariat)
    opened = c.motion(title_ja="予算の承認", title_en="Approval of the budget")
    return {"session": c.session.pk, "decided": decided.pk, "open": opened.pk}, c.reps[0]



@pytest.fixture
def page(module_page):
    """The module's one browser page, emptied of cookies before each test (tests/browser/conftest.py)."""
    return module_page

@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("language", ["ja", "en"])
def test_general_meeting_page_has_no_serious_accessibility_violation(site, page, coalition_pages, client,
                                                                     live_server, language, name):
    params, representative = coalition_pages
    sign_in(page, client, live_server, representative)  # the ballot and the proxy form show
    url = f"/{language}{PAGES[name].format(**params)}"
    response = page.goto(site.url + url)
    assert (response.status, page.url, page.locator("html").get_attribute("lang")) == (200, site.url + url, language)
    results = AXE.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    blocking = [
        result
        for result in results["violations"] + [r for r in results["incomplete"] if r["id"] in REVIEW_IS_FAILURE]
        if result["impact"] in BLOCKING
    ]
    assert not blocking, f"{url}: {len(blocking)} serious or critical accessibility violation(s)\n" + "\n".join(
        describe(result) for result in blocking
    )
