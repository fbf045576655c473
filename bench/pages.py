#!/usr/bin/env python
"""Page speed at a given scale: the portal as in production, loaded by wrk from its own process.

    .venv/bin/python bench/seed.py --scale large            # once (see bench/seed.py)
    .venv/bin/python bench/pages.py --scale large --json bench-pages-large.json

What it does:

1. collects the static files and starts gunicorn with DJANGO_ENV=production (DEBUG off, the Redis
   cache, whitenoise serving static files, the visitors' page cache on) on the seeded database, with
   the web node's configuration (deploy/gunicorn.conf.py: the portal loaded and warmed in the master,
   its objects frozen out of the workers' garbage collections), workers not recycled;
2. counts each page's SQL queries in this process, rendering it with the page cache off and the
   fragment caches empty (the worst case: the figure the bar of 12 applies to);
3. warms every page, then runs ``wrk`` (Debian's, a separate process) at concurrency 8 for
   ``--duration`` seconds per page, with ``X-Forwarded-Proto: https`` as the TLS proxy in front of
   a production site would send it;
4. measures ``/healthz`` (a database and a Redis round trip: the floor of our own stack) before and
   after, and gives each page's throughput as a ratio to it.

Signed-out pages are measured as visitors get them: from the page cache while the content is
unchanged (a search too: the same words give every visitor the same page). The rows marked
"computed" add a parameter no page knows, which keeps the cache out, so they measure the search
itself; the search bar (p95 80 ms) applies to them.

``--random`` (the default ``--mode both`` runs it after the pages above) measures each kind of page
over randomised URLs, as real visitors and calendar clients produce them: every meeting, group,
institution and initiative, and search terms of 1 to 6 characters cut at random from the seeded
texts (initiatives, on the pages and on the API's ``/api/v1/initiatives/?q=``) and names
(directory), in both languages, plus random pairs of characters that may match nothing; nothing is
chosen by hand. wrk draws a URL at random for each request (wrk_random.lua). Each kind runs twice:
with the page cache allowed (a URL seen before is a hit) and bypassed (``_=<n>`` appended: every
request computed; the fragment caches still work, as in production). It prints p50/p95/p99 and req/s
per kind and mode, the CPU time gunicorn spent per request (its workers' user + system time over the
run) and how busy the machine was (all cores, every process: other people's work shows here).

The site search (``/search/``, every kind counted): 300 terms of each kind, cut from every kind's
texts and sorted by folded length (1, 2, 3 to 6 characters) plus absent pairs (``site_search_terms``);
``--only "site search"`` runs just those. Each random row also has the one-minute load average.

Cooperation and progress: the needs board, a filtered board, a Japanese search and a need page with
its suggestions (kind "cooperation", bar 80 ms), partners, expertise, /progress/ (signed out and by
region) and an institution's progress page; at random: needs searched with 1 to 6 characters, the
board and /progress/ with 0 to 3 filters drawn at random, every listed need, every institution's
progress page. ``--only need,progress`` runs just those.

The sitemap (kind "sitemap", bar 200 ms): ``/sitemap.xml`` and the first and last page of each of
its sections as the cache serves them; at random, per section (and the index), every page of it
with the cache allowed and bypassed (a new address each request: computed, as a crawler's first
visit after the ten minutes of the cache).

Signed-in pages are requested with the session cookie of a member of an active institution who is
registered for the meeting shown. A page that does not answer 200 (or answers the sign-in page)
stops the run: a benchmark of the wrong page proves nothing.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

HERE = Path(__file__).resolve().parent
PORT = int(os.environ.get("BENCH_PORT", "8800"))
BASE = f"http://127.0.0.1:{PORT}"
PROXY = {"X-Forwarded-Proto": "https"}
COMPUTED = "_=computed"  # a parameter no page knows: the page cache neither serves nor stores it
# p95 in ms; "cooperation": the needs board, a filtered board, a Japanese search and a need page with
# its suggestions, signed out (issue bar 80 ms; the progress pages are signed-out pages: 60 ms)
# "sitemap": /sitemap.xml and each page of each of its sections (issue 19's bar: p95 200 ms a page)
BARS = {"signed-out": 60.0, "search": 80.0, "signed-in": 120.0, "cooperation": 80.0, "sitemap": 200.0}
MAX_QUERIES = 12
MIN_RATIO = 0.40  # signed-out pages against /healthz


def production_env(scale: str, static_root: str) -> dict:
    return common.env_for(
        scale,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=static_root,
        SITE_URL=BASE,
        # wrk is one address: the API's per-address limit would answer 429s, not the search
        API_RATE_VISITOR="100000000",
    )


def pick_targets(scale: str):
    """The concrete URLs of the pages (chosen from the seeded data) and a signed-in member."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from meetings.models import Meeting, Registration
    from meetings.rules import can_see_meeting
    from members.models import Institution
    from working_groups.cooperation.models import Need
    from working_groups.models import Initiative, WorkingGroup

    profile = Institution.objects.filter(status=Institution.Status.ACTIVE).order_by("pk")[12]
    group = WorkingGroup.objects.filter(tier=WorkingGroup.Tier.THEME).order_by("order", "slug").first()
    initiative = (
        Initiative.objects.filter(status=Initiative.Status.PUBLISHED, visibility=Initiative.Visibility.PUBLIC)
        .order_by("-published_at")
        .first()
    )
    need = Need.objects.open().filter(prefecture=profile.prefecture).order_by("-published_at").first() \
        or Need.objects.open().order_by("-published_at").first()
    now = timezone.now()
    meeting = (
        Meeting.objects.not_cancelled()
        .filter(visibility=Meeting.Visibility.PUBLIC, starts_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    # a member of staff (not a representative or contact, whose account page also lists requests
    # to decide) registered for an upcoming members-only meeting they may see
    member, members_meeting = None, None
    for registration in (
        Registration.objects.filter(
            status=Registration.Status.CONFIRMED,
            meeting__starts_at__gt=now,
            user__affiliations__role="staff",
            meeting__visibility=Meeting.Visibility.MEMBERS,
            meeting__status=Meeting.Status.SCHEDULED,
        )
        .select_related("meeting", "user")
        .order_by("meeting__starts_at", "pk")[:50]
    ):
        if can_see_meeting(registration.user, registration.meeting):
            member, members_meeting = registration.user, registration.meeting
            break
    if member is None:
        raise SystemExit("no registered member found: seed the database first (bench/seed.py)")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    name_part = profile.name_ja[:4]
    pages = [
        # (label, path, kind: signed-out | search | signed-in, a text the right page contains)
        ("home", "/ja/", "signed-out", "大学等コアリション"),
        ("directory", "/ja/members/", "signed-out", 'id="results-title"'),
        ("directory: region + kind", "/ja/members/?region=kanto&kind=national", "signed-out", 'id="results-title"'),
        ("directory: name search", f"/ja/members/?q={quote(name_part)}", "signed-out", name_part),
        # "computed": an extra parameter keeps the page cache out, so these rows measure the search
        # itself, as the first visitor to search for these words meets it.
        ("directory: name search, computed", f"/ja/members/?q={quote(name_part)}&{COMPUTED}", "search", name_part),
        ("member profile", f"/ja/members/{profile.slug}/", "signed-out", profile.name_ja),
        ("working group", f"/ja/working-groups/{group.slug}/", "signed-out", group.name_ja),
        ("initiatives", "/ja/initiatives/", "signed-out", 'id="results-title"'),
        ("search: rare word", f"/ja/initiatives/?q={quote(common.RARE_WORD)}", "signed-out", common.RARE_WORD),
        ("search: rare word, computed", f"/ja/initiatives/?q={quote(common.RARE_WORD)}&{COMPUTED}", "search",
         common.RARE_WORD),
        ("search: common word, computed", f"/ja/initiatives/?q={quote(common.COMMON_WORD)}&{COMPUTED}", "search",
         common.COMMON_WORD),
        # the API's search (issue 21's bar: p95 80 ms); the API has no page cache, so every request
        # is computed, as a client paging through results meets it
        # (the word may be in a text the list does not show: a row's slug says the answer is not empty)
        ("api: search rare word", f"/api/v1/initiatives/?q={quote(common.RARE_WORD)}", "search", '"slug":"'),
        ("api: search common word", f"/api/v1/initiatives/?q={quote(common.COMMON_WORD)}", "search", '"slug":"'),
        ("initiative", f"/ja/initiatives/{initiative.slug}/", "signed-out", initiative.title[:10]),
        ("meetings", "/ja/meetings/", "signed-out", 'class="meeting-list"'),
        ("meeting", f"/ja/meetings/{meeting.pk}/", "signed-out", meeting.title_ja),
        ("meeting .ics", f"/ja/meetings/{meeting.pk}/ical/", "signed-out", "BEGIN:VEVENT"),
        ("initiatives Atom feed", "/ja/initiatives/feed/", "signed-out", "<feed"),
        ("needs board", "/ja/needs/", "cooperation", 'id="results-title"'),
        ("needs board: theme + region", "/ja/needs/?wg=regional&region=kanto", "cooperation", 'id="results-title"'),
        ("needs: Japanese search", f"/ja/needs/?q={quote(NEED_WORD)}", "cooperation", NEED_WORD),
        ("needs: Japanese search, computed", f"/ja/needs/?q={quote(NEED_WORD)}&{COMPUTED}", "cooperation", NEED_WORD),
        ("need with suggestions", f"/ja/needs/{need.pk}/", "cooperation", 'id="matches-title"'),
        ("need with suggestions, computed", f"/ja/needs/{need.pk}/?{COMPUTED}", "cooperation", 'id="matches-title"'),
        ("partners", "/ja/partners/", "signed-out", 'id="results-title"'),
        ("expertise", "/ja/expertise/", "signed-out", 'id="results-title"'),
        ("progress", "/ja/progress/", "signed-out", 'id="chart-emissions"'),
        ("progress: region", "/ja/progress/?region=kanto", "signed-out", 'id="chart-emissions"'),
        ("progress: region, computed", f"/ja/progress/?region=kanto&{COMPUTED}", "signed-out",
         'id="chart-emissions"'),
        ("institution progress", f"/ja/members/{profile.slug}/progress/", "signed-out", "<h1>"),
        ("institution progress, computed", f"/ja/members/{profile.slug}/progress/?{COMPUTED}", "signed-out", "<h1>"),
        *sitemap_pages(),
        ("account (signed in)", "/ja/account/", "signed-in", member.email),
        (
            "meeting (registered member)",
            f"/ja/meetings/{members_meeting.pk}/",
            "signed-in",
            members_meeting.online_url or members_meeting.title_ja,
        ),
    ]
    return pages, cookie, member


def sitemap_sections() -> dict[str, list[str]]:
    """Each section of the sitemap -> the paths of its pages, as a search engine reads them after
    the index (each page after the first names its keyset range: ``?after=A&upto=B``)."""
    from meetings.dissemination.sitemaps import SITEMAPS, index_pages

    sections = {section: [] for section in SITEMAPS}
    for page in index_pages():
        sections[page.section].append(page.path)
    return sections


def sitemap_pages() -> list[tuple]:
    """The sitemap rows of the fixed pages: the index and each section's first and last page, as the
    page cache serves them (the sitemap views cache each address whole for ten minutes, keyed by
    the full URL: a fixed extra parameter would be cached too, so the computed figures are those of
    the randomised run, whose bypassed URLs are each new)."""
    rows = [("sitemap index", "/sitemap.xml", "sitemap", "<sitemapindex")]
    for section, paths in sitemap_sections().items():
        rows.append((f"sitemap: {section}", paths[0], "sitemap", "<urlset"))
        if len(paths) > 1:
            rows.append((f"sitemap: {section} p{len(paths)}", paths[-1], "sitemap", "<urlset"))
    return rows


RANDOM_URLS = 3000  # URLs per kind of page, drawn from at random by wrk
NEED_WORD = "森林"  # a Japanese word of the seeded needs (in about one in ten)


def random_terms(rng, texts: list[str], n: int) -> list[str]:
    """``n`` search terms of 1 to 6 characters cut at random places of random ``texts`` (words as
    people type them: kanji, kana, Latin, digits), a tenth random pairs of their characters."""
    chars = sorted({c for t in texts[:200] for c in t if not c.isspace()})
    terms = []
    while len(terms) < n:
        if rng.random() < 0.1:
            terms.append(rng.choice(chars) + rng.choice(chars))
            continue
        text = rng.choice(texts)
        length = rng.randint(1, 6)
        if len(text) < length:
            continue
        start = rng.randrange(len(text) - length + 1)
        term = text[start:start + length].strip()
        if term and " " not in term:
            terms.append(term)
    return terms


def site_search_terms(rng, texts: list[str], n: int) -> dict[str, list[str]]:
    """Terms for the site search (/search/), ``n`` of each kind: cut at random from ``texts`` (every
    kind's titles and summaries) by folded length (1, 2, 3 to 6 characters: rare and common alike,
    as they fall), and ``absent`` ones (random pairs of the texts' characters that no initiative
    holds: every kind is searched for nothing there, the worst case of a capped count)."""
    from members.search import search_words
    from working_groups.models import Initiative

    by_length = {"1": [], "2": [], "3+": []}
    while min(len(terms) for terms in by_length.values()) < n:
        for term in random_terms(rng, texts, 200):
            words = search_words(term)
            if len(words) == 1:
                by_length[str(min(len(words[0]), 3)).replace("3", "3+")].append(term)
    chars = sorted({c for t in texts[:500] for c in t if not c.isspace()})
    absent = []
    for _ in range(20 * n):
        if len(absent) == n:
            break
        pair = rng.choice(chars) + rng.choice(chars)
        if len(search_words(pair)) == 1 and not Initiative.objects.search(pair).exists():
            absent.append(pair)
    return {**{length: terms[:n] for length, terms in by_length.items()}, "absent": absent}


def random_targets(seed: int = 23) -> dict[str, list[str]]:
    """Each kind of page -> its randomised URLs (read from the seeded database)."""
    import random

    from meetings.models import CalendarFeed, Meeting, Registration
    from members.models import Institution
    from members.regions import PREFECTURES, REGIONS
    from working_groups.cooperation.filters import STATUS_CHOICES
    from working_groups.cooperation.models import Need
    from working_groups.models import Initiative, WorkingGroup

    rng = random.Random(seed)
    public = Initiative.objects.filter(status=Initiative.Status.PUBLISHED, visibility=Initiative.Visibility.PUBLIC)
    slugs = list(public.values_list("slug", flat=True))
    texts = [" ".join(row) for row in public.values_list("title", "summary", "title_translated")]
    names = [" ".join(row) for row in Institution.objects.values_list("name_ja", "name_en", "name_kana")]
    institutions = list(Institution.objects.filter(status=Institution.Status.ACTIVE).values_list("slug", flat=True))
    groups = list(WorkingGroup.objects.values_list("slug", flat=True))
    meetings = list(Meeting.objects.filter(visibility=Meeting.Visibility.PUBLIC).values_list("pk", flat=True))
    # calendar clients of people registered for a meeting: their secret feeds
    users = Registration.objects.order_by().values_list("user_id", flat=True).distinct()[:200]
    tokens = [CalendarFeed.objects.get_or_create(user_id=u)[0].token for u in users]

    def draw(make, population):
        return [make(rng.choice(population)) for _ in range(RANDOM_URLS)]

    from meetings.dissemination.models import NewsItem

    site_texts = [*texts, *(" ".join(row) for row in Meeting.objects.values_list("title_ja", "title_en")[:5000]),
                  *(" ".join(row) for row in NewsItem.objects.values_list("title_ja", "summary_ja")[:5000]),
                  *(" ".join(row) for row in Need.objects.values_list("title", "description")[:5000]), *names]
    site_terms = site_search_terms(rng, site_texts, 300)

    listed = Need.objects.listed()
    need_pks = list(listed.values_list("pk", flat=True))
    need_texts = [" ".join(row) for row in listed.values_list("title", "description")[:2000]]
    themes = list(WorkingGroup.objects.filter(tier=WorkingGroup.Tier.THEME).values_list("slug", flat=True))
    options = {
        "wg": themes,
        "region": [r.slug for r in REGIONS],
        "prefecture": [p.code for p in PREFECTURES],
        "kind": [k for k, _label in Need.Help.choices],
        "status": [str(v) for v, _label in STATUS_CHOICES],
        "year": [str(y) for y in range(2021, 2027)],
    }

    def filtered(path, names, extra=()):
        """``path`` with 0 to 3 of the filters ``names``, values drawn at random (a bad combination
        simply lists nothing, as it does for a visitor)."""
        chosen = rng.sample(names, rng.randint(0, min(3, len(names))))
        query = "&".join(f"{name}={quote(rng.choice(options[name]))}" for name in chosen)
        return f"{path}?{query}" if query else path

    return {
        "search initiatives (1-6 chars)": [f"/ja/initiatives/?q={quote(t)}" for t in random_terms(rng, texts,
                                                                                                    RANDOM_URLS)],
        "search directory (1-6 chars)": [f"/ja/members/?q={quote(t)}" for t in random_terms(rng, names, RANDOM_URLS)],
        "api: search initiatives (1-6 chars)": [f"/api/v1/initiatives/?q={quote(t)}"
                                                for t in random_terms(rng, texts, RANDOM_URLS)],
        # the site search (/search/): every kind counted, the first tab with hits listed
        **{f"site search ({length} chars)" if length != "absent" else "site search (absent pairs)":
           [f"/ja/search/?q={quote(t)}" for t in terms] for length, terms in site_terms.items()},
        "initiative": draw(lambda s: f"/ja/initiatives/{s}/", slugs),
        "member profile": draw(lambda s: f"/ja/members/{s}/", institutions),
        "working group": draw(lambda s: f"/ja/working-groups/{s}/", groups),
        "meeting": draw(lambda pk: f"/ja/meetings/{pk}/", meetings),
        "meeting .ics": draw(lambda pk: f"/ja/meetings/{pk}/ical/", meetings),
        "feed: public or group": draw(lambda s: f"/ja/meetings/ical/?wg={s}" if s else "/ja/meetings/ical/",
                                      [*groups, ""]),
        "feed: personal": draw(lambda t: f"/ja/meetings/ical/{t}/", tokens) if tokens else [],
        "search needs (1-6 chars)": [f"/ja/needs/?q={quote(t)}" for t in random_terms(rng, need_texts, RANDOM_URLS)],
        "needs board: random filters": [filtered("/ja/needs/", ["wg", "region", "prefecture", "kind", "status",
                                                                "year"]) for _ in range(RANDOM_URLS)],
        "need with suggestions": draw(lambda pk: f"/ja/needs/{pk}/", need_pks),
        "progress: random filters": [filtered("/ja/progress/", ["wg", "region", "prefecture"])
                                     for _ in range(RANDOM_URLS)],
        "institution progress": draw(lambda s: f"/ja/members/{s}/progress/", institutions),
        # what a search engine reads: the index, and every page of each section (bypassed: each
        # request a new address, so computed; allowed: the same few addresses, from the cache)
        "sitemap: index": draw(lambda p: p, ["/sitemap.xml"]),
        **{f"sitemap: {section}": draw(lambda p: p, paths) for section, paths in sitemap_sections().items()},
    }


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants (gunicorn's workers), in seconds."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
            pids.extend(int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot (/proc/stat), for the load during a run."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def run_random(server_pid, kinds: dict, duration, connections) -> list[dict]:
    """Each kind over its random URLs, page cache allowed then bypassed."""
    rows = []
    for kind, paths in kinds.items():
        if not paths:
            continue
        for mode in ("allowed", "bypassed"):
            urls = paths if mode == "allowed" else [f"{p}{'&' if '?' in p else '?'}_={n}" for n, p in enumerate(paths)]
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
                f.write("\n".join(urls))
            cpu, busy = tree_cpu_seconds(server_pid), machine_busy()
            try:
                figures = run_wrk("/", duration, connections, script="wrk_random.lua",
                                  extra_env={"WRK_PATHS": f.name, "WRK_SEED": str(len(rows) + 1)})
            finally:
                os.unlink(f.name)
            cpu = tree_cpu_seconds(server_pid) - cpu
            after = machine_busy()
            figures["cpu_ms_per_request"] = 1000 * cpu / figures["requests"] if figures["requests"] else 0.0
            figures["machine_busy"] = (after[0] - busy[0]) / max(after[1] - busy[1], 1)
            figures["load_1min"] = os.getloadavg()[0]
            rows.append({"kind": kind, "mode": mode, "urls": len(set(urls)), **figures})
            sys.stderr.write(f"  {kind:<32} {mode:<9} {figures['rps']:7.0f} req/s  p50 {figures['p50_ms']:7.1f}  "
                             f"p95 {figures['p95_ms']:7.1f} ms  cpu {figures['cpu_ms_per_request']:6.1f} ms/req  "
                             f"errors {figures['errors']}\n")
    return rows


def count_queries(pages, cookie):
    """Each page's queries, rendered here with the page cache off and every cache empty (cold),
    then once more with the fragment caches filled (warm)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_CACHE_SECONDS = 0
    out = {}
    for label, path, kind, marker in pages:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        if kind == "signed-in":
            client.cookies[settings.SESSION_COOKIE_NAME] = cookie.split("=", 1)[1]
        counts = []
        common.clear_cache()
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            if response.status_code != 200 or marker not in response.content.decode():
                raise SystemExit(f"{label}: {path} answered {response.status_code} without {marker!r}")
            counts.append(len(queries))
        out[label] = {"queries_cold": counts[0], "queries": counts[1]}
    common.clear_cache()
    return out


def fetch(path, headers=None):
    request = urllib.request.Request(BASE + path, headers={**PROXY, **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own local server
        return response.status, response.read().decode(errors="replace")


def drain(connections: int) -> None:
    """Wait until the server has worked off what wrk left queued: when wrk stops, up to one request
    per connection is still waiting for a worker (gunicorn answers it even though wrk is gone). Without
    this, a slow page's backlog ate the next page's second: the partners page, after the need page
    computed, finished no request at all. ``connections`` requests to /healthz queue behind that
    backlog (the listen queue is first in, first out) and return once it is through."""
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(lambda _: fetch("/healthz"), range(connections)))


def run_capped_wrk(command, env) -> subprocess.CompletedProcess:
    """wrk for a run that ends after WRK_MAX_REQUESTS answers (--max-requests, the test suite's quick
    proof): the script stops wrk's thread then, but wrk's main thread sleeps out the whole duration
    (``-d`` counts whole seconds), so ~90 runs of a few hundredths of a second each took a second each.
    When the script says WRK_STOPPED, SIGINT (wrk's own way to end a run early: it stops, then prints
    its figures and the script's as usual) ends that sleep. Only once wrk has said "Running": it
    installs its SIGINT handler just before, and the signal must not kill it instead. If it has not
    yet said so, the run lasts its duration, as without the signal.

    The whole of stdout is read through the one text stream that saw WRK_STOPPED: when wrk's duration
    ran out at the same moment, its figures arrived in the same pipe read as that line and sit in the
    stream's buffer; ``communicate()`` reads the pipe itself and would never see them (a CI run lost
    them so: "wrk gave no figures"). stderr is read by a thread so neither pipe can fill and stall wrk."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with ThreadPoolExecutor(1) as pool:
        stderr = pool.submit(process.stderr.read)
        lines, running, signalled = [], False, False
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Running "):
                running = True
            elif line.strip() == "WRK_STOPPED" and running and not signalled:
                signalled = True
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
        process.wait()
        return subprocess.CompletedProcess(command, process.returncode, "".join(lines), stderr.result())


def run_wrk(path, duration, connections, headers=None, script="wrk_report.lua", extra_env=None) -> dict:
    all_headers = {**PROXY, **(headers or {})}
    env = dict(os.environ, WRK_HEADERS="; ".join(f"{k}: {v}" for k, v in all_headers.items()), **(extra_env or {}))
    command = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / script),
        BASE + path,
    ]
    if env.get("WRK_MAX_REQUESTS"):
        result = run_capped_wrk(command, env)
    else:  # a measurement: wrk runs its whole duration
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    drain(connections)
    if result.returncode:
        raise SystemExit(f"wrk failed for {path}:\n{result.stdout}\n{result.stderr}")
    match = re.search(r"^WRK_JSON (\{.*\})$", result.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk gave no figures for {path}:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(match.group(1))
    figures["rps"] = figures["requests"] / figures["seconds"] if figures["seconds"] else 0.0
    figures["errors"] = sum(v for k, v in figures.items() if k.startswith("errors_"))
    return figures


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's workers), in MB."""
    return common.tree_memory_mb(pid)["rss"]


def start_gunicorn(env, workers, threads):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(common.ROOT / "deploy" / "gunicorn.conf.py"),
            "coalition.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync" if threads == 1 else "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "256",
            "--log-level",
            "warning",
            "--chdir",
            str(common.ROOT),
        ],
        # no recycling of workers (max_requests): a worker that exits takes its CPU time with it,
        # and the figure per request would miss it
        env={**env, "GUNICORN_MAX_REQUESTS": "0"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if fetch("/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not come up")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(common.SCALES), default="real")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    # Sync workers (one request each, no keep-alive): every request waits in one accept queue, so
    # none waits behind a busy worker while another idles (gthread's keep-alive connections stay
    # with the worker that accepted them, which doubled p95 here). Four keep both cores busy while
    # some wait on PostgreSQL or Redis.
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "1")))
    parser.add_argument("--only", help="only the pages and kinds whose label contains this text (several: "
                                       "separated by commas), for quick iterations")
    parser.add_argument("--mode", choices=["pages", "random", "both"], default="both",
                        help="the fixed pages, the randomised URLs per kind of page (both cache modes), or both")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--max-requests", type=int, default=0,
                        help="end each run after this many answers, before --duration is over: a quick run "
                             "that proves every page and kind answers (the test suite's), not a measurement")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if args.max_requests:
        os.environ["WRK_MAX_REQUESTS"] = str(args.max_requests)  # read by both wrk scripts

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = production_env(args.scale, static_root)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    sys.stderr.write("collecting static files ...\n")
    call_command("collectstatic", interactive=False, verbosity=0)
    pages, cookie, member = pick_targets(args.scale)
    kinds = random_targets() if args.mode != "pages" else {}
    if args.mode == "random":
        pages = []
    if args.only:
        wanted = [text for text in args.only.split(",") if text]
        pages = [page for page in pages if any(text in page[0] for text in wanted)]
        kinds = {kind: urls for kind, urls in kinds.items() if any(text in kind for text in wanted)}
    sys.stderr.write("counting queries ...\n")
    queries = count_queries(pages, cookie)

    server = start_gunicorn(env, args.workers, args.threads)
    rows = []
    try:
        signed_in = {"Cookie": cookie}
        for label, path, kind, marker in pages:  # warm, and check once more that each page is right
            headers = signed_in if kind == "signed-in" else None
            for _ in range(3 * args.workers):  # every worker renders every page once before the load
                status, body = fetch(path, headers)
            if status != 200 or marker not in body:
                raise SystemExit(f"{label}: {path} answered {status} without {marker!r}")
        sys.stderr.write(f"load: {args.duration:g} s per page at concurrency {args.connections}\n")
        health = [run_wrk("/healthz", args.duration, args.connections)]
        for label, path, kind, _marker in pages:
            figures = run_wrk(path, args.duration, args.connections, signed_in if kind == "signed-in" else None)
            rows.append({"page": label, "path": path, "kind": kind, **queries[label], **figures})
            sys.stderr.write(f"  {label:<28} {figures['rps']:8.0f} req/s  p95 {figures['p95_ms']:7.1f} ms\n")
        if kinds:
            sys.stderr.write("randomised URLs, page cache allowed and bypassed:\n")
        random_rows = run_random(server.pid, kinds, args.duration, args.connections)
        health.append(run_wrk("/healthz", args.duration, args.connections))
        memory = rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)

    healthz_rps = statistics.mean(h["rps"] for h in health)
    failures = []
    for row in rows:
        row["ratio"] = row["rps"] / healthz_rps if healthz_rps else 0.0
        bar = BARS[row["kind"]]
        row["bar_p95_ms"] = bar
        problems = []
        if row["p95_ms"] > bar:
            problems.append(f"p95 {row['p95_ms']:.1f} ms > {bar:g} ms")
        if row["queries_cold"] > MAX_QUERIES:
            problems.append(f"{row['queries_cold']} queries > {MAX_QUERIES}")
        if row["kind"] == "signed-out" and row["ratio"] < MIN_RATIO:
            problems.append(f"{row['ratio']:.0%} of /healthz < {MIN_RATIO:.0%}")
        if row["errors"]:
            problems.append(f"{row['errors']} errors")
        row["meets_bar"] = not problems
        if problems:
            failures.append(f"{row['page']}: " + "; ".join(problems))

    result = {
        "scale": args.scale,
        "machine": common.machine(),
        "duration_s": args.duration,
        "connections": args.connections,
        "gunicorn": {"workers": args.workers, "threads": args.threads, "rss_mb_after": round(memory, 1)},
        "healthz": {"rps": round(healthz_rps, 1), "runs": health},
        "pages": rows,
        "random": random_rows,
        "failures": failures,
    }
    print(
        f"\nPages at scale {args.scale} ({common.machine()['summary']}); wrk c={args.connections}, "
        f"{args.duration:g} s per page; /healthz {healthz_rps:,.0f} req/s"
        + (f"\n(each run ended after {args.max_requests} answers: these figures are not a measurement)"
           if args.max_requests else "")
    )
    print(
        common.table(
            rows,
            [
                ("page", "page", "s"),
                ("queries_cold", "queries", "d"),
                ("rps", "req/s", ",.0f"),
                ("ratio", "of healthz", ".0%"),
                ("p50_ms", "p50 ms", ".1f"),
                ("p95_ms", "p95 ms", ".1f"),
                ("p99_ms", "p99 ms", ".1f"),
                ("errors", "errors", "d"),
                ("bar_p95_ms", "bar ms", ".0f"),
            ],
        )
    )
    if random_rows:
        print("\nRandomised URLs per kind of page (allowed: the page cache may answer; bypassed: every request"
              " computed); cpu: gunicorn's CPU per request; busy: all cores, every process, during the run")
        print(common.table(random_rows, [
            ("kind", "kind", "s"), ("mode", "page cache", "s"), ("urls", "urls", "d"), ("rps", "req/s", ",.0f"),
            ("p50_ms", "p50 ms", ".1f"), ("p95_ms", "p95 ms", ".1f"), ("p99_ms", "p99 ms", ".1f"),
            ("cpu_ms_per_request", "cpu ms/req", ".1f"), ("machine_busy", "busy", ".0%"),
            ("load_1min", "load", ".1f"), ("errors", "errors", "d"),
        ]))
    print(f"gunicorn {args.workers} workers × {args.threads} threads, {memory:.0f} MB resident after the run")
    if rows:
        print("all pages meet the bar" if not failures else "below the bar:\n  " + "\n  ".join(failures))
    common.write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
