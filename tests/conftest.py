"""Fixtures shared by every test.

The suite runs on whatever the environment names: PostgreSQL and Redis when ``DATABASE_URL`` and
``REDIS_URL`` are set (CI), SQLite and eager tasks otherwise. Tests that need a real service are
marked; without the service they are skipped, unless ``REQUIRE_SERVICES=1``, which turns the skip
into a failure so that CI cannot pass by skipping.
"""

import os
import uuid

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(what: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not configured")
    pytest.skip(f"{what} not configured")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords and not settings.USES_POSTGRES:
            item.add_marker(pytest.mark.usefixtures("_require_postgres"))
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.usefixtures("_require_redis"))


@pytest.fixture
def _require_postgres():
    _missing("PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def _require_redis():
    _missing("Redis (REDIS_URL=redis://...)")


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Fast hashing, a cache namespace of the test's own (rate limits must not leak between tests),
    and tasks run eagerly unless a test starts a real worker."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches = {k: dict(v) for k, v in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    settings.SITE_URL = "http://testserver"
    from coalition.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium, headless, with nothing that calls out to the internet."""
    return {
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}
