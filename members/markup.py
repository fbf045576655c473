"""Markdown written by members, rendered to HTML that cannot carry script.

Markdown is converted by Python-Markdown, then cleaned by nh3 (the Rust ``ammonia`` sanitiser)
with an allow-list: no script or style, no event handlers, only http(s) and mailto links (so no
``javascript:``), and images only from this site's uploaded files. Links to other sites get
``rel="noopener noreferrer nofollow"``.
"""

from html import escape

import markdown as md
import nh3
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe


def escape_text(value) -> str:
    """``value`` as text in HTML (quotes too), for markup built in Python rather than in a template:
    the cards, facets and map of the list pages and the digest's sections. A plain function: Django's
    conditional_escape costs several times more per value, and these run hundreds of times a page."""
    return escape(str(value), quote=True)


def truncate(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, the last one an ellipsis when cut (what Django's
    Truncator.chars does for text without combining characters, at a tenth of its cost)."""
    return text if len(text) <= length else text[: length - 1] + "…"


def slug_url(view_name: str):
    """``slug -> URL`` of ``view_name`` (a view taking ``<slug:slug>``) for a list's links, reversed
    once per list instead of once per link: the slug converter only admits [-a-zA-Z0-9_], so a slug
    needs no quoting."""
    head, tail = reverse(view_name, kwargs={"slug": "SLUG"}).split("SLUG")
    return lambda slug: head + slug + tail


def pk_url(view_name: str):
    """``pk -> URL`` of ``view_name`` (a view taking ``<int:pk>``), reversed once per list."""
    head, tail = reverse(view_name, kwargs={"pk": 1}).rsplit("1", 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "sup", "sub",
    "ul", "ol", "li", "blockquote", "code", "pre", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "dl", "dt", "dd", "abbr",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "scope"},
    "td": {"align"},
    "abbr": {"title"},
    "ol": {"start"},
}


def _filter(tag, attribute, value):
    if tag == "img" and attribute == "src":
        # images from our own uploads only: nothing to track readers with, nothing the CSP blocks
        return value if value.startswith("/media/") and ".." not in value else None
    if attribute in ("width", "height"):
        return value if value.isascii() and value.isdigit() and len(value) <= 4 else None
    return value


def render_markdown(text: str) -> SafeString:
    html = md.markdown(text or "", extensions=["tables", "sane_lists", "fenced_code"], output_format="html")
    # Headings in user text start at h2: the page's h1 is the title.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 - cleaned by nh3 just above
