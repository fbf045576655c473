"""/sitemap.xml: every public page in both languages (Django's sitemaps framework), served as a
sitemap index whose sections are paged (``limit`` objects, twice as many addresses, per page) so
that no page grows with the data. Each address carries its hreflang alternates and x-default.

Only what a visitor may see is listed: published news, public published initiatives, active
members and groups, public meetings (never a draft, a members-only page or a cancelled meeting).
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max
from django.urls import reverse

from meetings.selectors import public_meetings
from members.models import Institution
from working_groups.models import Initiative, WorkingGroup

from .models import NewsItem


class _Pairs:
    """(object, language) for every object of a queryset and every language, as a sequence that
    reads only the slice a page asks for: Django's i18n sitemap builds the list of every pair for
    every page, that is every object of the section each time one page of it is asked for."""

    def __init__(self, queryset, languages):
        self.queryset, self.languages = queryset, languages

    def count(self):
        return self.queryset.count() * len(self.languages)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        n = len(self.languages)
        start, stop = index.start or 0, index.stop
        objects = self.queryset[start // n : -(-stop // n)]
        pairs = [(obj, language) for obj in objects for language in self.languages]
        offset = start - (start // n) * n
        return pairs[offset : offset + (stop - start)]


class _Bilingual(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    limit = 4000  # addresses per page: 2,000 objects in two languages, each with its alternates
    updated_field = ""

    @property
    def paginator(self):
        """Pages over (object, language) pairs that read one page of objects (see _Pairs)."""
        items = self.items()
        if isinstance(items, list):
            items = [(item, code) for item in items for code, _name in settings.LANGUAGES]
        else:
            items = _Pairs(items, [code for code, _name in settings.LANGUAGES])
        return Paginator(items, self.limit)

    def lastmod(self, obj):
        return getattr(obj, self.updated_field) if self.updated_field else None

    def get_latest_lastmod(self):
        """The newest change of the section, by one aggregate (Django's default reads every object)."""
        if not self.updated_field:
            return None
        return self.items().aggregate(latest=Max(self.updated_field))["latest"]


class PagesSitemap(_Bilingual):
    """The fixed pages: home, about, and the lists."""

    changefreq = "daily"
    NAMES = ("home", "dissemination:about", "dissemination:news-list", "members:directory",
             "working_groups:group-list", "working_groups:initiative-list", "meetings:meeting-list",
             "members:apply", "dissemination:newsletter")

    def items(self):
        return list(self.NAMES)

    def location(self, item):
        return reverse(item)

    def get_latest_lastmod(self):
        return None


class NewsSitemap(_Bilingual):
    updated_field = "updated_at"

    def items(self):
        return NewsItem.objects.published().only("slug", "updated_at").order_by("pk")


class InitiativeSitemap(_Bilingual):
    updated_field = "updated_at"

    def items(self):
        return Initiative.objects.public().only("slug", "updated_at").order_by("pk")


class InstitutionSitemap(_Bilingual):
    def items(self):
        return Institution.objects.active().only("slug").order_by("pk")


class GroupSitemap(_Bilingual):
    def items(self):
        return WorkingGroup.objects.active().only("slug").order_by("pk")


class MeetingSitemap(_Bilingual):
    updated_field = "updated_at"

    def items(self):
        return public_meetings().not_cancelled().only("pk", "updated_at").order_by("pk")


SITEMAPS = {
    "pages": PagesSitemap,
    "news": NewsSitemap,
    "initiatives": InitiativeSitemap,
    "members": InstitutionSitemap,
    "groups": GroupSitemap,
    "meetings": MeetingSitemap,
}

# Addresses robots need not follow: sign-in and account pages, the secretariat's, forms.
DISALLOWED = ("accounts/", "account/", "secretariat/", "admin/", "members/apply/", "initiatives/new/",
              "news/new/")


def robots_txt(sitemap_url: str) -> str:
    lines = ["User-agent: *"]
    for language in ("ja", "en"):
        lines += [f"Disallow: /{language}/{path}" for path in DISALLOWED]
    lines += ["Allow: /", "", f"Sitemap: {sitemap_url}", ""]
    return "\n".join(lines)
