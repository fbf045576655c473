"""One public address for the site (settings.SITE_URL), read the way other programs read it.

Every absolute link the portal gives out (Atom, iCalendar, CSV/JSON, account mail, <link> tags)
comes from SITE_URL, whatever host name the request used; identifiers (Atom ids, iCalendar UIDs)
do not depend on the host name at all.
"""

import csv
import io
import json
import re
from html.parser import HTMLParser

import feedparser
import pytest
from django.core import mail
from icalendar import Calendar

from tests.factories import PASSWORD, MeetingFactory
from tests.working_groups.test_initiatives import make

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.org"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    return SITE


@pytest.fixture
def campus():
    from tests.factories import WorkingGroupFactory

    return WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG")


@pytest.fixture
def shinshu():
    from tests.factories import InstitutionFactory

    return InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University", prefecture="05")


class Links(HTMLParser):
    """The <link> tags of a page, as a crawler collects them."""

    def __init__(self, html):
        super().__init__()
        self.links = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))


def links(response, **match):
    return [a for a in Links(response.content.decode()).links if all(a.get(k) == v for k, v in match.items())]


def test_atom_feed_parses_with_absolute_links_from_site_url_on_any_host(client, site, campus, shinshu):
    initiative = make(shinshu, campus, title="小水力発電")
    for host in ("testserver", "127.0.0.1"):
        feed = feedparser.parse(client.get("/ja/initiatives/feed/", HTTP_HOST=host).content)
        assert feed.bozo is False, feed.get("bozo_exception")
        (entry,) = feed.entries
        assert entry.link == f"{SITE}/ja/initiatives/{initiative.slug}/"
        assert feed.feed.link == f"{SITE}/ja/initiatives/"
        assert [link.href for link in feed.feed.links if link.rel == "self"] == [f"{SITE}/ja/initiatives/feed/"]


def test_atom_ids_differ_per_language_and_stay_the_same_across_host_names(client, site, campus, shinshu):
    make(shinshu, campus, title="小水力発電")
    ids = {}
    for lang in ("ja", "en"):
        for host in ("testserver", "127.0.0.1", "localhost"):
            feed = feedparser.parse(client.get(f"/{lang}/initiatives/feed/", HTTP_HOST=host).content)
            ids.setdefault(lang, set()).add((feed.feed.id, feed.entries[0].id))
    assert len(ids["ja"]) == 1 and len(ids["en"]) == 1  # the host name changes nothing
    (ja_feed, ja_entry), (en_feed, en_entry) = ids["ja"].pop(), ids["en"].pop()
    assert ja_entry != en_entry and ja_feed != en_feed
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in (ja_feed, ja_entry, en_feed, en_entry))
    group_feed = feedparser.parse(client.get("/ja/initiatives/feed/", {"wg": "campus"}).content)
    assert group_feed.feed.id != ja_feed
    assert group_feed.entries[0].id == ja_entry  # one entry, one id, whichever feed carries it


def test_home_and_group_pages_offer_feed_discovery_links_that_answer(client, site, campus, shinshu):
    make(shinshu, campus, title="小水力発電")
    home = links(client.get("/ja/", HTTP_HOST="127.0.0.1"), rel="alternate", type="application/atom+xml")
    group = links(client.get("/en/working-groups/campus/"), rel="alternate", type="application/atom+xml")
    assert [a["href"] for a in home] == [f"{SITE}/ja/initiatives/feed/"]
    assert [a["href"] for a in group] == [f"{SITE}/en/initiatives/feed/?wg=campus"]
    assert all(a.get("title") for a in home + group)
    for a in home + group:
        feed = feedparser.parse(client.get(a["href"].removeprefix(SITE)).content)
        assert feed.bozo is False and [e.title for e in feed.entries] == ["小水力発電"]
    calendars = links(client.get("/ja/working-groups/campus/"), rel="alternate", type="text/calendar")
    assert [a["href"] for a in calendars] == [f"{SITE}/ja/meetings/ical/?wg=campus"]


def test_calendar_links_come_from_site_url_and_uid_names_no_host(client, site):
    meeting = MeetingFactory(visibility="public")
    for host in ("testserver", "127.0.0.1"):
        cal = Calendar.from_ical(client.get(f"/en/meetings/{meeting.pk}/ical/", HTTP_HOST=host).content)
        (event,) = cal.walk("VEVENT")
        assert str(event["URL"]) == f"{SITE}/en/meetings/{meeting.pk}/"
        assert str(event["DESCRIPTION"]).endswith(f"{SITE}/en/meetings/{meeting.pk}/")
        assert str(event["UID"]) == str(meeting.uid)


def test_csv_and_json_urls_come_from_site_url(client, site, shinshu):
    body = client.get("/ja/members/", {"format": "csv"}, HTTP_HOST="127.0.0.1")
    rows = list(csv.DictReader(io.StringIO(b"".join(body.streaming_content).decode("utf-8-sig"))))
    assert [r["url"] for r in rows] == [f"{SITE}/ja/members/shinshu/"]
    data = json.loads(client.get("/en/members/", {"format": "json"}, HTTP_HOST="127.0.0.1").content)
    assert [r["url"] for r in data["results"]] == [f"{SITE}/en/members/shinshu/"]


def test_account_mail_links_come_from_site_url_not_the_request_host(client, site, deliver):
    with deliver():
        client.post("/ja/accounts/signup/", {"email": "hanako@example.ac.jp", "password1": PASSWORD,
                                             "password2": PASSWORD, "name": "山田 花子", "language": "ja"},
                    HTTP_HOST="127.0.0.1")
    (message,) = mail.outbox
    urls = re.findall(r"https?://[^\s\"<>]+", message.body)
    assert urls and all(u.startswith(SITE + "/") for u in urls), urls
    assert "127.0.0.1" not in message.body


def test_hreflang_links_are_absolute_with_x_default(client, site):
    page = client.get("/en/members/", {"kind": "national"}, HTTP_HOST="127.0.0.1")
    alternates = {a["hreflang"]: a["href"] for a in links(page, rel="alternate") if a.get("hreflang")}
    # the canonical page in each language: a filter names the same page (the canonical drops it too)
    assert alternates == {
        "ja": f"{SITE}/ja/members/",
        "en": f"{SITE}/en/members/",
        "x-default": f"{SITE}/members/",  # no prefix: each reader is sent to their language
    }


@pytest.mark.parametrize("path", ["/ja/no-such-page/", "/en/members/no-such-member/"])
def test_a_missing_page_offers_no_language_alternates(client, site, path):
    page = client.get(path)
    assert page.status_code == 404
    assert [a for a in links(page, rel="alternate") if a.get("hreflang")] == []
