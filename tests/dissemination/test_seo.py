"""Being found and shared: canonical, hreflang, Open Graph and Twitter card on every public page
(absolute), JSON-LD, /sitemap.xml (an index of paged sections, public objects only, both
languages) and /robots.txt."""

import datetime
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from meetings.dissemination.models import NewsItem
from meetings.dissemination.sitemaps import NewsSitemap
from meetings.models import Meeting
from tests.dissemination.conftest import make_item
from tests.factories import InstitutionFactory
from working_groups.models import Initiative

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Head(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.meta, self.scripts, self._script = {}, [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name")] = a.get("content")
        elif tag == "link" and a.get("rel") == "canonical":
            self.meta["canonical"] = a["href"]
        elif tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.meta["hreflang:" + a["hreflang"]] = a["href"]
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._script = ""

    def handle_data(self, data):
        if self._script is not None:
            self._script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(json.loads(self._script))
            self._script = None


def head(client, path) -> Head:
    response = client.get(path)
    assert response.status_code == 200, path
    return Head(response.content.decode())


def public_pages(world):
    institution = world.c
    return ["/ja/", "/en/", "/ja/members/", f"/ja/members/{institution.slug}/", "/ja/working-groups/",
            f"/en/working-groups/{world.group.slug}/", "/ja/initiatives/", "/ja/meetings/",
            f"/en/meetings/{world.meeting.pk}/", "/ja/about/", "/en/about/", "/ja/news/",
            f"/ja/news/{world.statement.slug}/", f"/en/news/{world.group_item.slug}/"]


def test_every_public_page_has_absolute_canonical_hreflang_and_link_preview_tags(client, world):
    for path in public_pages(world):
        meta = head(client, path).meta
        language, rest = path[1:3], path[3:]
        assert meta["canonical"] == f"http://testserver{path}", path
        assert meta["og:url"] == meta["canonical"], path
        assert meta["hreflang:ja"] == f"http://testserver/ja{rest}", path
        assert meta["hreflang:en"] == f"http://testserver/en{rest}", path
        assert meta["hreflang:x-default"] == f"http://testserver{rest}", path
        assert meta["og:image"].startswith("http://testserver/"), path
        assert meta["og:title"] and meta["og:description"], path
        assert meta["og:locale"] == {"ja": "ja_JP", "en": "en_US"}[language]
        assert meta["twitter:card"] == "summary_large_image"


def test_canonical_keeps_the_page_number_and_drops_filters(client, world):
    assert head(client, "/ja/news/?kind=news&utm_source=x").meta["canonical"] == "http://testserver/ja/news/"


def test_hreflang_alternates_name_the_canonical_page_in_each_language(client, world):
    # the language switch keeps the reader's filters; the alternates search engines read do not
    # carry filters or tracking parameters into a page the canonical disowns
    response = client.get("/ja/news/?kind=news&utm_source=x")
    meta = head(client, "/ja/news/?kind=news&utm_source=x").meta
    assert meta["canonical"] == "http://testserver/ja/news/"
    assert meta["hreflang:ja"] == "http://testserver/ja/news/"
    assert meta["hreflang:en"] == "http://testserver/en/news/"
    assert meta["hreflang:x-default"] == "http://testserver/news/"
    assert 'href="/en/news/?kind=news&amp;utm_source=x" hreflang="en"' in response.content.decode()


def test_news_page_previews_its_own_title_and_summary_and_is_a_news_article(client, world):
    page = head(client, f"/en/news/{world.news.slug}/")
    assert (page.meta["og:title"], page.meta["og:description"], page.meta["og:type"]) == (
        "The portal is online", "The new portal is online.", "article")
    [article] = page.scripts
    assert (article["@type"], article["headline"], article["url"], article["inLanguage"]) == (
        "NewsArticle", "The portal is online", f"http://testserver/en/news/{world.news.slug}/", "en")


def test_public_meeting_is_a_schema_org_event_without_its_online_link(client, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(online_url="https://meet.example.org/secret-room")
    [event] = head(client, f"/en/meetings/{world.meeting.pk}/").scripts
    assert (event["@type"], event["name"], event["eventAttendanceMode"]) == (
        "Event", "4th general meeting", "https://schema.org/OnlineEventAttendanceMode")
    assert "secret-room" not in json.dumps(event)


def test_members_only_meeting_has_no_event_data(client, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(visibility=Meeting.Visibility.MEMBERS)
    client.force_login(world.users["staff"])
    assert head(client, f"/ja/meetings/{world.meeting.pk}/").scripts == []


def test_institution_is_a_schema_org_organization_and_home_names_the_coalition(client, world):
    [org] = head(client, f"/en/members/{world.c.slug}/").scripts
    assert (org["@type"], org["name"], org["memberOf"]["foundingDate"]) == ("CollegeOrUniversity", "Gamma University",
                                                                           "2021-07-29")
    [coalition] = head(client, "/ja/").scripts
    assert (coalition["@type"], coalition["url"]) == ("Organization", "http://testserver/ja/")


def test_json_ld_cannot_be_closed_by_the_text(client, world):
    item = make_item(by=world.users["secretariat"], kind="news", title_en="</script><script>alert(1)</script>",
                     body_en="x")
    body = client.get(f"/en/news/{item.slug}/").content.decode()
    assert "<script>alert(1)" not in body
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in body


# ---------------------------------------------------------------------------------------------
# Sitemap and robots
# ---------------------------------------------------------------------------------------------


def sitemap_locations(client) -> list[str]:
    index = ET.fromstring(client.get("/sitemap.xml").content)
    assert index.tag == f"{SM}sitemapindex"
    locations = []
    for loc in index.iter(f"{SM}loc"):
        page = ET.fromstring(client.get(loc.text.replace("http://testserver", "")).content)
        locations += [e.text for e in page.iter(f"{SM}loc")]
    return locations


def test_sitemap_lists_public_objects_in_both_languages_and_nothing_else(client, world, settings):
    initiative_public = Initiative.objects.create(
        institution=world.a, slug="public-case", title="公開事例", summary="s", body="b", prefecture="13",
        started_on=datetime.date(2024, 1, 1), status="published", published_at=timezone.now())
    Initiative.objects.create(institution=world.a, slug="members-case", title="会員限定事例", summary="s", body="b",
                              prefecture="13", started_on=datetime.date(2024, 1, 1), status="published",
                              visibility="members", published_at=timezone.now())
    InstitutionFactory(slug="withdrawn-u", status="withdrawn")
    locations = sitemap_locations(client)
    for path in (f"/news/{world.statement.slug}/", f"/news/{world.group_item.slug}/", "/about/", "/news/",
                 f"/initiatives/{initiative_public.slug}/", f"/members/{world.c.slug}/",
                 f"/working-groups/{world.group.slug}/", f"/meetings/{world.meeting.pk}/"):
        for language in ("ja", "en"):
            assert f"http://testserver/{language}{path}" in locations, path
    text = " ".join(locations)
    for hidden in (world.draft.slug, "members-case", "withdrawn-u"):
        assert hidden not in text


def test_sitemap_entries_carry_hreflang_alternates(client, world):
    body = client.get("/sitemap-news.xml").content.decode()
    slug = world.statement.slug
    assert (f'<xhtml:link rel="alternate" hreflang="en" href="http://testserver/en/news/{slug}/"/>'
            f'<xhtml:link rel="alternate" hreflang="x-default" href="http://testserver/news/{slug}/"/>') in body


def page_paths(client) -> list[str]:
    """The pages of the news section, as the index names them (path and query)."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    return [loc.text.replace("http://testserver", "") for loc in index.iter(f"{SM}loc") if "sitemap-news" in loc.text]


def news_slugs(client, path, visit=0) -> list[str]:
    """The news slugs a page lists (``visit`` > 0: a new address, past the page cache's copy)."""
    response = client.get(f"{path}{'&' if '?' in path else '?'}_={visit}" if visit else path)
    assert response.status_code == 200, path
    return [e.text.rsplit("/", 2)[-2] for e in ET.fromstring(response.content).iter(f"{SM}loc")
            if e.text.startswith("http://testserver/ja/")]


def test_sitemap_is_paged_and_each_page_costs_the_same_queries(client, world, monkeypatch):
    monkeypatch.setattr(NewsSitemap, "limit", 4)  # addresses: two keys a page, in two languages
    published = sorted(NewsItem.objects.published().values_list("pk", flat=True))
    ranges = sorted({(pk - 1) // 2 for pk in published})  # the ranges of two keys that hold an item
    paths = page_paths(client)
    assert paths == ["/sitemap-news.xml"] + [f"/sitemap-news.xml?after={2 * g}&upto={2 * g + 2}" for g in ranges[1:]]

    def queries(path):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(re.findall("<url>", response.content.decode()))

    # three published items in two languages, each page one query
    for path, g in zip(paths, ranges, strict=True):
        assert queries(path) == (1, 2 * sum(1 for pk in published if (pk - 1) // 2 == g)), path
    # the former numbered pages still answer (a crawler may hold their addresses), by the same one query
    assert (queries("/sitemap-news.xml?p=1"), queries("/sitemap-news.xml?p=2")) == ((1, 4), (1, 2))
    for path in ("/sitemap-news.xml?p=99", "/sitemap-news.xml?p=0", "/sitemap-news.xml?p=x",
                 "/sitemap-news.xml?after=-1", "/sitemap-news.xml?after=1e3", "/sitemap-news.xml?upto=0",
                 f"/sitemap-news.xml?after={published[-1]}", "/sitemap-news.xml?p=2&after=1",
                 "/sitemap-nothing.xml"):
        assert client.get(path).status_code == 404, path


def test_a_sitemap_page_reads_one_query_whatever_its_rows(client, world, monkeypatch):
    by = world.users["secretariat"]
    for n in range(12):
        make_item(by=by, kind="news", title_ja=f"お知らせ{n}", title_en=f"Notice {n}", body_ja="本文", body_en="text")
    for limit in (2, 2000):  # one key a page, then a thousand
        monkeypatch.setattr(NewsSitemap, "limit", limit)
        sizes = []
        for page in NewsSitemap().pages():  # the pages at this limit, as the index names them
            path = f"{page.path}{'&' if '?' in page.path else '?'}_={limit}"  # not the page cache's copy
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            assert len(ctx.captured_queries) == 1, path
            sizes.append(response.content.count(b"<url>"))
        assert sum(sizes) == 2 * 15
        # fifteen items with consecutive keys: at most two ranges of a thousand, one with eight or more
        assert max(sizes) == 2 if limit == 2 else max(sizes) >= 16


def test_keyset_pages_list_each_public_object_exactly_once_even_if_one_is_published_in_between(
        client, world, monkeypatch):
    monkeypatch.setattr(NewsSitemap, "limit", 4)  # two items a page
    by = world.users["secretariat"]
    items = [make_item(by=by, kind="news", title_ja=f"お知らせ{n}", title_en=f"Notice {n}", body_ja="本文",
                       body_en="text", publish=n % 3 != 1) for n in range(9)]
    public = set(NewsItem.objects.published().values_list("slug", flat=True))
    paths = page_paths(client)
    keys = NewsItem.objects.published().values_list("pk", flat=True)
    assert len(paths) == len({(pk - 1) // 2 for pk in keys})
    listed = [slug for path in paths for slug in news_slugs(client, path)]
    assert sorted(listed) == sorted(public)  # every public item once, no draft
    # a draft in the middle is published after the crawler read the index (a published neighbour
    # shares its range of two keys), then a published item is withdrawn: no other item moves page
    NewsItem.objects.filter(pk=items[4].pk).update(status=NewsItem.Status.PUBLISHED, published_at=timezone.now())
    listed = [slug for path in paths for slug in news_slugs(client, path, visit=1)]
    assert sorted(listed) == sorted(public | {items[4].slug})
    NewsItem.objects.filter(pk=items[3].pk).update(status=NewsItem.Status.DRAFT)
    listed = [slug for path in paths for slug in news_slugs(client, path, visit=2)]
    assert sorted(listed) == sorted((public | {items[4].slug}) - {items[3].slug})


def test_sitemap_index_gives_each_page_the_newest_change_of_its_own_objects(client, world, monkeypatch):
    monkeypatch.setattr(NewsSitemap, "limit", 2)  # one key a page
    old = timezone.now() - datetime.timedelta(days=400)
    NewsItem.objects.filter(pk=world.news.pk).update(updated_at=old)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    lastmods = {s.find(f"{SM}loc").text: s.find(f"{SM}lastmod").text for s in index.iter(f"{SM}sitemap")
                if "sitemap-news" in s.find(f"{SM}loc").text}
    published = NewsItem.objects.published().order_by("pk")
    assert len(lastmods) == published.count() == 3
    for (loc, lastmod), item in zip(lastmods.items(), published, strict=True):
        assert datetime.datetime.fromisoformat(lastmod) == item.updated_at, loc
        response = client.get(loc.replace("http://testserver", ""))
        assert response["Last-Modified"] == http_date(item.updated_at.timestamp())
        assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
        assert response["Content-Type"] == "application/xml"


def test_sitemap_files_are_named_where_served_and_list_pages_on_site_url(client, world, settings):
    """The index and robots.txt name the sitemap's files on the host they were read from (a crawler,
    or a demo on another port, can fetch them); the files list the public addresses (SITE_URL)."""
    settings.SITE_URL = "https://portal.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    index = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:8799").content.decode()
    assert "<loc>http://127.0.0.1:8799/sitemap-news.xml</loc>" in index
    assert "portal.example.org" not in index
    body = client.get("/sitemap-news.xml", HTTP_HOST="127.0.0.1").content.decode()
    slug = world.statement.slug
    assert (f"<url><loc>https://portal.example.org/en/news/{slug}/</loc>") in body
    assert f'hreflang="x-default" href="https://portal.example.org/news/{slug}/"/>' in body
    assert "127.0.0.1" not in body
    robots = client.get("/robots.txt", HTTP_HOST="127.0.0.1:8799").content.decode()
    assert "Sitemap: http://127.0.0.1:8799/sitemap.xml" in robots


def test_robots_names_the_sitemap_and_keeps_robots_out_of_accounts(client, world):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text.splitlines()
    assert "Disallow: /en/accounts/" in text.splitlines()
