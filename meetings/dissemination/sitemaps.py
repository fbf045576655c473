"""/sitemap.xml: every public page in both languages, served as a sitemap index whose sections are
paged so that no page grows with the data. Each address carries its hreflang alternates and
x-default; every page listed is absolute on ``settings.SITE_URL`` (the index names its own files on
the host it is read from).

Only what a visitor may see is listed: published news, public published initiatives, active
members and groups, public meetings (never a draft, a members-only page or a cancelled meeting).

Written for the large scale (200,000 initiatives: docs/scaling.md, "Sitemap"), not with Django's
sitemaps framework, which builds a model instance, calls ``reverse()`` three times per address and
renders a template per page (3.8 s for a page of 4,000 addresses, 0.6 s of it CPU):

- a section reads ``(pk, key, lastmod)`` tuples (``values_list``), never model instances;
- an object's addresses come from one ``reverse()`` per language with a placeholder, then string
  formatting; the XML is one ``str.join`` (the framework's bytes, byte for byte);
- a page is a fixed range of primary keys, ``after < pk <= upto`` with ``after`` a multiple of the
  page's width (``limit`` addresses, ``limit / languages`` keys), read through the primary key's
  index: the 100th page costs what the first does (``OFFSET`` would read and throw away every row
  before it). A page's address never changes and holds at most ``limit`` addresses; publishing or
  hiding an object changes its own page only (and that page's ``lastmod``), so a crawler re-reads
  that page alone, and no object moves between pages while it reads them: each is on exactly one.
  A range with no listed object is not in the index; a sparse section has pages less full.
- the index finds the ranges and each one's newest change in one query per section, a probe per
  range through a partial index of the listed rows (no sort of the section).
"""

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField, ExpressionWrapper, Subquery
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone, translation

from meetings.selectors import public_meetings
from members.models import Institution
from working_groups.models import Initiative, WorkingGroup

from .models import NewsItem

PLAIN_KEY = re.compile(r"[-A-Za-z0-9_.~]*")
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
TAIL = "\n</urlset>\n"
INDEX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)
INDEX_TAIL = "\n</sitemapindex>\n"


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def escape(text: str) -> str:
    """XML text and attribute value (what the framework's template autoescape gave)."""
    return html.escape(text, quote=True)


def url_part(key) -> str:
    """``key`` as ``reverse()`` puts it into a path: percent-encoded where it must be, escaped for XML."""
    key = str(key)
    if PLAIN_KEY.fullmatch(key):
        return key
    return escape(quote(key, safe="!$&'()*+,;=/~:@"))


@dataclass(frozen=True)
class Page:
    """One page of a section as the index lists it: its keyset range and the newest change in it."""

    section: str
    after: int | None
    upto: int | None
    lastmod: object = None

    @property
    def path(self) -> str:
        query = "&".join(
            f"{name}={value}" for name, value in (("after", self.after), ("upto", self.upto)) if value is not None
        )
        return reverse("sitemap-section", kwargs={"section": self.section}) + (f"?{query}" if query else "")


class Section:
    """One section of the sitemap: the public objects of a model, each in every language."""

    name = ""
    url_name = ""  # the detail page's URL name; its one argument is the object's ``key_field``
    url_kwarg = "slug"
    key_field = "slug"
    lastmod_field = ""  # a datetime column: each address's <lastmod> (its date) and its page's in the index
    changefreq = ""
    limit = 4000  # addresses a page at most: ranges of 2,000 keys in two languages (docs/scaling.md, "Sitemap")

    def queryset(self):
        raise NotImplementedError

    @property
    def per_page(self) -> int:
        """Objects per page: ``limit`` addresses, one per language."""
        return max(1, self.limit // len(languages()))

    # -- the index --------------------------------------------------------------------------------

    def pages(self) -> list[Page]:
        """The section's pages, in one query: the primary keys cut into ranges of ``per_page``
        (``after = g * per_page < pk <= after + per_page``), each range holding an object a page,
        with the newest change among its objects. Each range is read by its own probe through the
        index (a partial index holds the listed rows' keys and ``lastmod`` where the section has
        one), so that no sort of the whole section is needed. An empty section is one empty page
        (the index still names it); the first page is named without a range (``/sitemap-x.xml``)."""
        width = self.per_page
        queryset = self.queryset().order_by()
        if connection.vendor != "postgresql":
            return self._pages_read_through(queryset, width)
        every, every_params = queryset.values_list("pk").query.sql_with_params()
        in_range = queryset.filter(
            pk__gt=RawSQL("grid.g * %s", (width,)), pk__lte=RawSQL("grid.g * %s + %s", (width, width))
        )
        if self.lastmod_field:
            part, part_params = in_range.values_list("pk", self.lastmod_field).query.sql_with_params()
            probe = f"SELECT count(*) AS n, max(lastmod) AS last FROM ({part}) AS part (pk, lastmod)"
            keep = "WHERE r.n > 0"
        else:
            part, part_params = in_range.values_list("pk")[:1].query.sql_with_params()
            probe, keep = f"SELECT NULL AS last FROM ({part}) AS part (pk)", ""
        sql = (
            f"SELECT grid.g, r.last FROM (SELECT min(pk) AS lo, max(pk) AS hi FROM ({every}) AS listed (pk)) AS b, "
            f"generate_series((b.lo - 1) / %s, (b.hi - 1) / %s) AS grid (g), LATERAL ({probe}) AS r "
            f"{keep} ORDER BY grid.g"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (*every_params, width, width, *part_params))
            groups = cursor.fetchall()
        if not groups:
            return [Page(self.name, None, None)]
        return [
            Page(self.name, *((None, None) if number == 0 else (g * width, g * width + width)), last)
            for number, (g, last) in enumerate(groups)
        ]

    def _pages_read_through(self, queryset, width: int) -> list[Page]:
        """``pages`` where there is no ``generate_series`` or ``LATERAL`` (the embedded default,
        SQLite: a few hundred rows): the section's keys read once, cut into the same ranges."""
        columns = ("pk", self.lastmod_field) if self.lastmod_field else ("pk",)
        newest: dict[int, object] = {}
        for row in queryset.values_list(*columns).order_by("pk").iterator():
            g = (row[0] - 1) // width
            last = row[1] if len(row) > 1 else None
            if g not in newest or (last is not None and (newest[g] is None or last > newest[g])):
                newest[g] = last
        if not newest:
            return [Page(self.name, None, None)]
        return [
            Page(self.name, *((None, None) if number == 0 else (g * width, g * width + width)), newest[g])
            for number, g in enumerate(sorted(newest))
        ]

    # -- a page -----------------------------------------------------------------------------------

    def rows(self, *, after=None, upto=None, number=None) -> list[tuple]:
        """``(pk, key, lastmod)`` of one page, in one query: the keyset range ``after < pk <= upto``
        (as the index names it), the first range of the section when neither is given, or the
        ``number``-th page of ``per_page`` objects (the former ``?p=N`` addresses, by OFFSET).
        Never more than ``per_page`` objects, whatever range is asked for."""
        width = self.per_page
        columns = ("pk", self.key_field) + ((self.lastmod_field,) if self.lastmod_field else ())
        queryset = self.queryset().order_by("pk")
        if number is not None:
            start = (number - 1) * width
            return list(queryset.values_list(*columns)[start : start + width])
        if after is None and upto is None:
            first = self.queryset().order_by("pk").values("pk")[:1]
            upto = ExpressionWrapper((Subquery(first) - 1) / width * width + width, output_field=BigIntegerField())
        if after is not None:
            queryset = queryset.filter(pk__gt=after)
        if upto is not None:
            queryset = queryset.filter(pk__lte=upto)
        return list(queryset.values_list(*columns)[:width])

    def addresses(self) -> dict[str, tuple[str, str]]:
        """Language -> (before, after) the key in the absolute, XML-escaped address of an object:
        one ``reverse()`` per language, whatever the number of rows."""
        codes = languages()
        templates = {}
        for code in codes:
            with translation.override(code):
                templates[code] = reverse(self.url_name, kwargs={self.url_kwarg: "918273645"})
        # x-default: the address without the language prefix (as Django's i18n sitemaps give it)
        templates["x-default"] = templates[settings.LANGUAGE_CODE].replace(f"/{settings.LANGUAGE_CODE}/", "/", 1)
        site = settings.SITE_URL
        parts = {}
        for code, path in templates.items():
            before, _sep, rest = path.partition("918273645")
            parts[code] = (escape(site + before), escape(rest))
        return parts

    def render(self, rows) -> str:
        """The page's XML, byte for byte what Django's sitemap template gave."""
        codes = languages()
        parts = self.addresses()
        tz = timezone.get_current_timezone()
        changefreq = f"<changefreq>{self.changefreq}</changefreq>" if self.changefreq else ""
        out = []
        for row in rows:
            key = url_part(row[1])
            urls = {code: f"{before}{key}{after}" for code, (before, after) in parts.items()}
            alternates = "".join(
                f'<xhtml:link rel="alternate" hreflang="{code}" href="{urls[code]}"/>' for code in (*codes, "x-default")
            )
            changed = row[2] if len(row) > 2 else None
            lastmod = f"<lastmod>{changed.astimezone(tz).date().isoformat()}</lastmod>" if changed else ""
            tail = f"{lastmod}{changefreq}{alternates}</url>"
            out.extend(f"<url><loc>{urls[code]}</loc>{tail}" for code in codes)
        return HEAD + "".join(out) + TAIL


class PagesSitemap(Section):
    """The fixed pages: home, about, and the lists (URL names, no query)."""

    name = "pages"
    changefreq = "daily"
    NAMES = (
        "home",
        "dissemination:about",
        "dissemination:news-list",
        "members:directory",
        "working_groups:group-list",
        "working_groups:initiative-list",
        "meetings:meeting-list",
        "members:apply",
        "dissemination:newsletter",
    )

    def pages(self):
        return [Page(self.name, None, None)]

    def rows(self, *, after=None, upto=None, number=None):
        return [] if (after, upto, number) not in ((None, None, None), (None, None, 1)) else list(self.NAMES)

    def render(self, rows) -> str:
        codes = languages()
        out = []
        for name in rows:
            urls = {}
            for code in codes:
                with translation.override(code):
                    urls[code] = escape(settings.SITE_URL + reverse(name))
            urls["x-default"] = urls[settings.LANGUAGE_CODE].replace(f"/{settings.LANGUAGE_CODE}/", "/", 1)
            alternates = "".join(
                f'<xhtml:link rel="alternate" hreflang="{code}" href="{urls[code]}"/>' for code in (*codes, "x-default")
            )
            out.extend(
                f"<url><loc>{urls[code]}</loc><changefreq>{self.changefreq}</changefreq>{alternates}</url>"
                for code in codes
            )
        return HEAD + "".join(out) + TAIL


class NewsSitemap(Section):
    name, url_name, lastmod_field = "news", "dissemination:news-detail", "updated_at"

    def queryset(self):
        return NewsItem.objects.published()


class InitiativeSitemap(Section):
    name, url_name, lastmod_field = "initiatives", "working_groups:initiative-detail", "updated_at"

    def queryset(self):
        return Initiative.objects.public()


class InstitutionSitemap(Section):
    name, url_name = "members", "members:institution-detail"

    def queryset(self):
        return Institution.objects.active()


class GroupSitemap(Section):
    name, url_name = "groups", "working_groups:group-detail"

    def queryset(self):
        return WorkingGroup.objects.active()


class MeetingSitemap(Section):
    name, url_name, url_kwarg, key_field, lastmod_field = (
        "meetings",
        "meetings:meeting-detail",
        "pk",
        "id",
        "updated_at",
    )

    def queryset(self):
        return public_meetings().not_cancelled()


SITEMAPS = {
    section.name: section
    for section in (PagesSitemap, NewsSitemap, InitiativeSitemap, InstitutionSitemap, GroupSitemap, MeetingSitemap)
}


def index_pages() -> list[Page]:
    """Every page of every section, in the index's order (one query per section with rows)."""
    return [page for section in SITEMAPS.values() for page in section().pages()]


def index_xml(pages=None, served_at: str | None = None) -> str:
    """The sitemap index: each page's absolute address and, where its section has one, the newest
    change among its objects. The index names its files where they are served: ``served_at``, the
    scheme and host the index itself was read from (as Django's sitemap views name them; a crawler
    reads the files from the server it asked), SITE_URL when not given. The pages the files list
    are the site's public addresses, on SITE_URL, as every link tag, feed and export gives them."""
    base = (served_at or settings.SITE_URL).rstrip("/")
    out = []
    for page in index_pages() if pages is None else pages:
        lastmod = f"<lastmod>{timezone.localtime(page.lastmod).isoformat()}</lastmod>" if page.lastmod else ""
        out.append(f"<sitemap><loc>{escape(base + page.path)}</loc>{lastmod}</sitemap>")
    return INDEX_HEAD + "".join(out) + INDEX_TAIL


class NoPage(Exception):
    """No such section or page (the view answers 404)."""


def _number(value: str | None, *, minimum: int) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or int(value) < minimum or len(value) > 18:
        raise NoPage(value)
    return int(value)


def section_page(name: str, query) -> tuple[str, object]:
    """(XML, newest change or None) of the page of section ``name`` that ``query`` (the request's
    GET) names: ``after``/``upto`` as the index gives them, or ``p`` (the former numbered pages).
    Raises NoPage for an unknown section, a malformed parameter or an empty page other than the
    first (an empty section's only page is an empty urlset, as before)."""
    if name not in SITEMAPS:
        raise NoPage(name)
    section = SITEMAPS[name]()
    after, upto = _number(query.get("after"), minimum=0), _number(query.get("upto"), minimum=1)
    number = _number(query.get("p"), minimum=1)
    if number is not None and (after is not None or upto is not None):
        raise NoPage("p with after/upto")
    rows = section.rows(after=after, upto=upto, number=number)
    if not rows and (after is not None or upto is not None or (number or 1) > 1):
        raise NoPage("empty page")
    newest = None
    if section.lastmod_field and rows and all(row[2] for row in rows):
        newest = max(row[2] for row in rows)
    return section.render(rows), newest


# Addresses robots need not follow: sign-in and account pages, the secretariat's, forms.
DISALLOWED = ("accounts/", "account/", "secretariat/", "admin/", "members/apply/", "initiatives/new/", "news/new/")


def robots_txt(sitemap_url: str) -> str:
    lines = ["User-agent: *"]
    for language in ("ja", "en"):
        lines += [f"Disallow: /{language}/{path}" for path in DISALLOWED]
    lines += ["Allow: /", "", f"Sitemap: {sitemap_url}", ""]
    return "\n".join(lines)
