"""The secretariat's work queue on a phone (390 px) and a desk. A table's cells break between
words, never inside one; the table scrolls sideways in its wrapper instead. Found walking the work
queue at 390 px, where the page's overflow-wrap: anywhere squeezed the columns to "Ref/ere/nce" and
"Unive/rsity", and the counts by status showed list bullets against the next count."""

import pytest

from members.models import MembershipApplication
from tests.factories import InstitutionFactory, secretariat_user, staff_of

from .conftest import set_timeouts
from .test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every word (of four letters or more) of the table's cells that the browser laid out on more than
# one line.
BROKEN_WORDS = r"""(table) => {
  const broken = [];
  const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/[A-Za-z]{4,}/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_secretariat_queue_keeps_words_whole_on_a_phone(site, page, client, live_server, width):
    MembershipApplication.objects.create(
        name_ja="静岡テスト大学",
        name_en="Shizuoka Test University",
        name_kana="しずおかてすとだいがく",
        kind="national_university",
        category="participating",
        prefecture="22",
        website="https://shizuoka.example",
        applicant_name="望月 理恵",
        applicant_title="課長",
        applicant_email="mochizuki@u-shizuoka.example",
        representative_name="学長",
        representative_title="学長",
        status=MembershipApplication.Status.SUBMITTED,
    )
    set_timeouts(page)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, client, live_server, secretariat_user())
    page.goto(site.url + "/en/secretariat/")
    table = page.locator("main .table-wrap table").first
    assert table.locator("th").first.inner_text() == "Reference"
    assert table.evaluate(BROKEN_WORDS) == []
    # the page itself does not scroll sideways: the table's wrapper does
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the counts by status are a row of links without list bullets ("Active: 66•  Suspended: 1")
    counts = page.locator("main ul.stats > li")
    assert counts.count() >= 3
    assert counts.first.evaluate("li => getComputedStyle(li).listStyleType") == "none"


def test_the_email_settings_keep_their_column_headings_in_view_on_a_phone(site, page, client, live_server):
    """A contact has some 30 kinds of e-mail, 8 screens of radio buttons at 390 px: scrolled down, the
    headings (at once, weekly digest, never) had left the screen, the radios no longer said which was
    which. The headings now stick to the top of the window."""
    contact = staff_of(InstitutionFactory(), role="contact")
    set_timeouts(page)
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, client, live_server, contact)
    page.goto(site.url + "/en/account/notifications/")
    headings = page.locator(".settings-table thead th")
    assert headings.nth(1).inner_text() == "At once"
    page.locator(".settings-table tbody tr").last.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 2000
    top = headings.nth(1).evaluate("th => th.getBoundingClientRect().top")
    assert 0 <= top < 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_progress_with_its_tables_and_charts_fits_a_phone(site, page, live_server, lang):
    """/progress/ at 390 px was 921 px wide (784 in Japanese): the page's one grid column took the
    width of its widest table, and the whole page scrolled sideways. The column is the screen's
    width now; the tables scroll in their own boxes."""
    from tests.progress.test_pages import LAST, member

    for n in range(4):
        member(f"wide-{n}", years=(LAST - 2, LAST - 1, LAST), scope3="1234.5")
    set_timeouts(page)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{site.url}/{lang}/progress/")
    table = page.locator("main .table-wrap table").first
    assert table.locator("tbody tr").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrapper = page.locator("main .table-wrap").first
    assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth")  # the table scrolls in its box
