"""The deployment as code (deploy/, docs/deploy.md) holds together: the environment template lists
every setting the portal reads and, filled in, passes ``manage.py check --deploy`` with no warning;
the nginx site parses with its snippet; gunicorn loads the portal with deploy/gunicorn.conf.py; the
systemd units start what exists."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import MiddlewareNotUsed

from coalition.middleware import ClientAddressFromProxy
from members.access import rate_limited

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def template() -> dict[str, str]:
    """The settings deploy/coalition.env sets (uncommented lines), as systemd reads them."""
    values = {}
    for line in (DEPLOY / "coalition.env").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value.strip('"')
    return values


def run(args, env_extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL", "CELERY_QUEUE")}
    env.update(env_extra)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_environment_template_lists_every_setting_the_portal_reads():
    settings_py = (ROOT / "coalition" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_py))
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (DEPLOY / "coalition.env").read_text(), re.MULTILINE))
    assert len(read) > 30
    assert read - listed == set()


def test_the_filled_in_template_passes_the_deploy_check_with_no_warning():
    env = {**template(), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
           "MEDIA_STORAGE_URL": "s3://coalition-media?endpoint=https://s3.example.net&region=ap-northeast-1"}
    out = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues (0 silenced)." in out.stdout


def test_the_template_refuses_to_start_until_the_secret_key_is_filled_in():
    out = run(["manage.py", "check"], template())
    assert out.returncode != 0
    assert "SECRET_KEY" in out.stderr


def test_a_media_storage_url_that_is_not_a_bucket_is_refused():
    out = run(["manage.py", "check"], {"MEDIA_STORAGE_URL": "ftp://files.example.org/media"})
    assert out.returncode != 0 and "MEDIA_STORAGE_URL must look like s3://" in out.stderr
    out = run(["manage.py", "check"], {"MEDIA_STORAGE_URL": "s3://media?acl=public-read"})
    assert out.returncode != 0 and "unknown parameter(s) acl" in out.stderr


def test_the_nginx_site_parses_with_its_snippet(tmp_path):
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing (apt-get install -y nginx)")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"], check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "coalition.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/portal.example.org/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/portal.example.org/privkey.pem", str(tmp_path / "key.pem"))
    snippet = DEPLOY / "nginx" / "coalition-locations.conf"
    site = site.replace("/etc/nginx/snippets/coalition-locations.conf", str(snippet))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""pid {tmp_path / 'nginx.pid'};
events {{}}
http {{
  include /etc/nginx/mime.types;
  include {tmp_path / 'site.conf'};
}}
""")
    out = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c",
                          str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "syntax is ok" in out.stderr


def test_gunicorn_loads_the_portal_with_the_deploy_configuration():
    out = run(["-m", "gunicorn", "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"),
               "coalition.wsgi:application"], {"GUNICORN_BIND": "127.0.0.1:0"})
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_systemd_units_run_what_the_repository_has():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"coalition-web.service", "coalition-worker@.service", "coalition-beat.service"}
    for name, text in units.items():
        assert "EnvironmentFile=/etc/coalition/coalition.env" in text, name
        assert "KillMode=mixed" in text or name == "coalition-beat.service", name
        command = re.search(r"^ExecStart=/srv/coalition/app/\.venv/bin/(\w+) (.*)$", text, re.MULTILINE)
        assert command and command.group(1) in ("gunicorn", "celery"), name
    assert "-c deploy/gunicorn.conf.py coalition.wsgi:application" in units["coalition-web.service"]
    assert (DEPLOY / "gunicorn.conf.py").exists()


def test_healthz_answers_a_node_asked_directly_over_http_in_production():
    """A proxy or a monitor asks each node for /healthz over plain HTTP: it answers instead of
    redirecting to https, which every other page still does."""
    code = ("from django.test import Client; c = Client(); "
            "print(c.get('/healthz').status_code, c.get('/ja/').status_code)")
    env = {**template(), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": "sqlite://:memory:",
           "REDIS_URL": "", "DJANGO_ALLOWED_HOSTS": "testserver"}
    out = run(["manage.py", "shell", "--no-imports", "-c", code], env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].split() == ["200", "301"]


def test_behind_nginx_each_visitor_has_a_rate_limit_of_their_own(settings, rf):
    """nginx appends the address it was reached from to X-Forwarded-For; with TRUSTED_PROXY_COUNT=1
    that entry is the visitor (whatever the visitor wrote before it), so one visitor's limit does
    not close the form for everyone behind the same proxy."""
    settings.TRUSTED_PROXY_COUNT = 1
    seen = []

    def view(request):
        seen.append(request.META["REMOTE_ADDR"])
        return rate_limited(request, "deploy-test", limit=2, period=3600)

    middleware = ClientAddressFromProxy(view)

    def through_nginx(visitor, forged=""):
        header = f"{forged}, {visitor}" if forged else visitor
        return middleware(rf.post("/ja/members/apply/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=header))

    assert [through_nginx("198.51.100.7") for _ in range(3)] == [False, False, True]
    assert through_nginx("203.0.113.9") is False  # another visitor is not limited
    assert through_nginx("198.51.100.7", forged="203.0.113.50") is True  # a forged entry changes nothing
    assert seen[-1] == "198.51.100.7"


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    with pytest.raises(MiddlewareNotUsed):
        ClientAddressFromProxy(lambda request: None)
