"""What link previews and search engines read: absolute addresses, and structured data
(schema.org as JSON-LD) for the coalition, its news, public meetings and institutions.

JSON-LD sits in ``<script type="application/ld+json">``, a data block the browser never runs, so the
Content-Security-Policy (no inline script) holds; ``<``, ``>`` and ``&`` are escaped so that no text
can close the element.
"""

import json

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from members.i18n import current_language
from members.templatetags.portal import url_in_language

register = template.Library()

_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    """``path`` on the site's own address (SITE_URL); an address that is already absolute stays."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def jsonld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, default=str).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped


def default_image() -> str:
    return absolute(static("img/og-default.png"))


def _coalition() -> dict:
    return {
        "@type": "Organization",
        "name": _("University Coalition for Carbon Neutrality"),
        "alternateName": "カーボンニュートラル達成に貢献する大学等コアリション",
        "url": absolute(reverse("home")),
        "logo": default_image(),
        "email": settings.SECRETARIAT_EMAIL,
        "foundingDate": "2021-07-29",
    }


@register.filter
def absolute_url(path) -> str:
    return absolute(str(path))


@register.simple_tag
def og_default_image() -> str:
    return default_image()


@register.simple_tag
def organization_jsonld():
    return jsonld({"@context": "https://schema.org", **_coalition()})


@register.simple_tag
def news_jsonld(item):
    """A published news item or statement as a schema.org NewsArticle."""
    return jsonld({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": item.title[:110],
        "description": item.summary,
        "inLanguage": item.body_language,
        "datePublished": item.published_at.isoformat() if item.published_at else None,
        "dateModified": item.updated_at.isoformat() if item.updated_at else None,
        "url": absolute(item.get_absolute_url()),
        "image": [default_image()],
        "publisher": _coalition(),
        "author": _coalition(),
    })


@register.simple_tag
def event_jsonld(meeting):
    """A public meeting as a schema.org Event (the online link is never in it)."""
    modes = {
        "online": "https://schema.org/OnlineEventAttendanceMode",
        "in_person": "https://schema.org/OfflineEventAttendanceMode",
        "hybrid": "https://schema.org/MixedEventAttendanceMode",
    }
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": meeting.title,
        "description": meeting.description[:500],
        "startDate": meeting.starts_at.isoformat(),
        "endDate": meeting.ends_at.isoformat(),
        "eventAttendanceMode": modes.get(meeting.format, modes["online"]),
        "eventStatus": "https://schema.org/EventCancelled" if meeting.is_cancelled
        else "https://schema.org/EventScheduled",
        "url": absolute(meeting.get_absolute_url()),
        "inLanguage": current_language(),
        "organizer": _coalition(),
        "image": [default_image()],
    }
    if meeting.format == "online":
        data["location"] = {"@type": "VirtualLocation", "url": absolute(meeting.get_absolute_url())}
    else:
        data["location"] = {"@type": "Place", "name": meeting.venue_shown or _("To be announced"),
                            "address": meeting.venue_shown or _("Japan")}
    return jsonld(data)


@register.simple_tag
def institution_jsonld(institution):
    """A member institution as a schema.org Organization (a university as CollegeOrUniversity)."""
    universities = {"national", "public", "private", "kosen"}
    data = {
        "@context": "https://schema.org",
        "@type": "CollegeOrUniversity" if institution.kind in universities else "Organization",
        "name": institution.name,
        "alternateName": institution.name_en if current_language() == "ja" else institution.name_ja,
        "url": absolute(institution.get_absolute_url()),
        "memberOf": _coalition(),
    }
    if institution.website:
        data["sameAs"] = [institution.website]
    if institution.logo:
        data["logo"] = absolute(institution.logo.url)
    return jsonld(data)


def _page_suffix(request) -> str:
    """``?page=N`` when the request asks for a page of a list past the first, else nothing."""
    page = request.GET.get("page", "")
    return f"?page={page}" if page.isascii() and page.isdigit() and page not in ("", "1") else ""


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's own absolute address: its path on SITE_URL, with ``?page=N`` (each page of a list
    is a page of its own) and nothing else (filters and tracking parameters name the same page)."""
    request = context.get("request")
    if request is None:
        return settings.SITE_URL + "/"
    return absolute(request.path + _page_suffix(request))


def _canonical_in(context, language) -> str:
    """The canonical address's path (and ``?page=N``) in ``language``: the page's own path in that
    language (``url_in_language``) without the query string the visitor came with."""
    request = context["request"]
    return url_in_language(context, language).split("?", 1)[0] + _page_suffix(request)


@register.simple_tag(takes_context=True)
def alternate_url(context, language) -> str:
    """hreflang alternate in ``language``: the canonical address of the page in that language.
    Search engines read an alternate that is not itself canonical as a different page (a filter or
    a tracking parameter such as ``utm_source`` carried into it named a page the canonical disowns)."""
    if context.get("request") is None:
        return f"{settings.SITE_URL}/{language}/"
    return absolute(_canonical_in(context, language))


@register.simple_tag(takes_context=True)
def x_default_url(context) -> str:
    """hreflang x-default: the page without a language prefix, which sends each reader to their own
    language (Japanese unless the browser asks for English)."""
    request = context.get("request")
    if request is None:
        return settings.SITE_URL + "/"
    path = _canonical_in(context, "ja")
    return absolute(path[len("/ja"):] if path.startswith("/ja/") else path)
