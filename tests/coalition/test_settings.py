"""The settings module in its three modes, each in a fresh process with a controlled environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_KEY = "x" * 50 + "-test-only-production-key"


def run(args, env_extra=None, drop=()):
    skip = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    for k in drop:
        env.pop(k, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


PRINT_SETTINGS = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'coalition.settings'); django.setup();"
    "from django.conf import settings as s;"
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'],"
    " s.EMAIL_BACKEND, s.DEBUG, sorted(s.ALLOWED_HOSTS))"
)


def test_settings_embedded_default_when_nothing_is_set():
    out = run(["-c", PRINT_SETTINGS])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.mail.backends.console.EmailBackend",
        "False",
        "['127.0.0.1',",
        "'[::1]',",
        "'localhost']",
    ]


def test_settings_services_from_environment():
    out = run(
        ["-c", PRINT_SETTINGS],
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/coalition",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "EMAIL_URL": "smtp://127.0.0.1:2525",
        },
    )
    assert out.returncode == 0, out.stderr
    engine, eager, cache, email, *_ = out.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert cache == "coalition.cache.RedisCache"  # Django's Redis cache, one client per pool
    assert email == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    "missing", [{"DJANGO_ALLOWED_HOSTS": "portal.example.org"}, {"DJANGO_SECRET_KEY": PROD_KEY}]
)
def test_settings_production_refuses_to_start_without_secret_or_hosts(missing):
    out = run(["manage.py", "check"], {"DJANGO_ENV": "production", **missing})
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr


def test_settings_production_passes_deploy_check():
    out = run(
        ["manage.py", "check", "--deploy"],
        {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": PROD_KEY, "DJANGO_ALLOWED_HOSTS": "portal.example.org"},
        drop=("DJANGO_ALLOW_ASYNC_UNSAFE",),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout


def test_settings_production_refuses_debug():
    out = run(
        ["manage.py", "check"],
        {
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": PROD_KEY,
            "DJANGO_ALLOWED_HOSTS": "portal.example.org",
            "DJANGO_DEBUG": "true",
        },
    )
    assert out.returncode != 0
    assert "DJANGO_DEBUG must be off" in out.stderr
