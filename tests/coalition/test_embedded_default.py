"""The embedded default end to end, in a fresh process with no service configured: SQLite, tasks
run eagerly in the web process, e-mail printed to the console."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import os, re, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
django.setup()
from django.conf import settings
from django.test import Client
assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
assert settings.CELERY_TASK_ALWAYS_EAGER is True
c = Client(HTTP_HOST="localhost")
for path in ["/ja/", "/en/", "/ja/members/", "/ja/members/shinshu/", "/ja/working-groups/regional/", "/healthz"]:
    r = c.get(path)
    print("PAGE", path, r.status_code)
# the second wave's pages on SQLite (CI's suite runs on PostgreSQL: a query SQLite refuses, such as a
# LIMIT inside a UNION, would otherwise reach the demo first)
from working_groups.cooperation.models import Need
need = Need.objects.listed().order_by("pk").first()
for path in ["/ja/needs/", f"/ja/needs/{need.pk}/", f"/en/needs/{need.pk}/", "/ja/expertise/", "/ja/partners/",
             "/ja/search/?q=水素", "/ja/search/?q=地域&kind=initiatives", "/ja/initiatives/?q=水素", "/ja/progress/",
             "/ja/news/", "/ja/meetings/", "/sitemap.xml", "/sitemap-initiatives.xml", "/robots.txt"]:
    print("WAVE2", path, c.get(path).status_code)
r = c.post("/en/accounts/signup/", {"email": "new@example.org", "password1": "a long pass phrase 42",
           "password2": "a long pass phrase 42", "name": "New Person", "language": "en"})
print("SIGNUP", r.status_code, r["Location"])
"""


@pytest.mark.slow
def test_embedded_default_serves_demo_and_sends_mail_to_console(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "EMAIL_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'portal.sqlite3'}"  # the default file, somewhere harmless
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run("manage.py", "migrate", "--noinput").returncode == 0
    seeded = run("manage.py", "seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "secretariat@coalition.example" in seeded.stdout
    out = run("-c", SCRIPT)
    assert out.returncode == 0, out.stderr[-3000:]
    pages = [line.split()[1:] for line in out.stdout.splitlines() if line.startswith("PAGE")]
    assert pages == [
        ["/ja/", "200"], ["/en/", "200"], ["/ja/members/", "200"], ["/ja/members/shinshu/", "200"],
        ["/ja/working-groups/regional/", "200"], ["/healthz", "200"],
    ]
    wave2 = [line.split()[1:] for line in out.stdout.splitlines() if line.startswith("WAVE2")]
    assert len(wave2) == 14 and all(status == "200" for _, status in wave2), wave2
    assert "SIGNUP 302 /en/accounts/confirm-email/" in out.stdout
    # the verification e-mail went through the (eager) pipeline to the console
    assert "To: new@example.org" in out.stdout
    assert "/en/accounts/confirm-email/" in out.stdout
