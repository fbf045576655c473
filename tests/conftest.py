"""Fixtures shared by every test.

The suite runs on whatever the environment names: PostgreSQL and Redis when ``DATABASE_URL`` and
``REDIS_URL`` are set (CI), SQLite and eager tasks otherwise. Tests that need a real service are
marked; without the service they are skipped, unless ``REQUIRE_SERVICES=1``, which turns the skip
into a failure so that CI cannot pass by skipping.
"""

import contextlib
import os
import uuid

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tasks of this process go to a queue of its own (settings.CELERY_TASK_DEFAULT_QUEUE), so a worker
# a test starts never meets another run's tasks on a shared Redis. Set unconditionally, with the
# xdist worker's name: pytest-xdist's processes inherit the controller's environment, and two of
# them sharing one queue let one's Celery worker take (and drop, not finding the rows in its own
# test database) the other's tasks.
os.environ["CELERY_QUEUE"] = (
    f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(what: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not configured")
    pytest.skip(f"{what} not configured")


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip (or, with REQUIRE_SERVICES=1, fail) a test whose service is not configured, before its
    fixtures are set up: session fixtures such as the browser are set up ahead of any function
    fixture, and a browser's launch without Chromium would otherwise error."""
    if item.get_closest_marker("postgres") and not settings.USES_POSTGRES:
        _missing("PostgreSQL (DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        _missing("Redis (REDIS_URL=redis://...)")
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        _missing(f"Chromium ({CHROMIUM})")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: the test client's requests activate the
    language of their address (LocaleMiddleware) in this thread and leave it active, so a test that
    renders or validates outside a request (a service's message, a form, a mail) would otherwise
    inherit whatever the previous test on its process last requested."""
    yield
    from django.utils import translation

    translation.deactivate()  # back to settings.LANGUAGE_CODE


@pytest.fixture(scope="session", autouse=True)
def _celery_queue():
    """Route this run's tasks to its own queue (set before any task reaches the broker)."""
    from coalition.celery import app

    app.conf.task_default_queue = os.environ["CELERY_QUEUE"]


# The committed module worlds in the database now (committed_world): while one is, the flush that
# ends each transactional test deletes nothing.
_committed_worlds: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _quick_flush():
    """A transactional test (live server, real workers) ends with the database emptied (Django's
    flush). On PostgreSQL that is a TRUNCATE of every table, about 0.35 s even when they hold a few
    rows, and then the content types and permissions the flush deleted are written again: half a
    second a test, ~180 tests. DELETE empties tables of test-sized contents in a few milliseconds
    (the foreign keys Django makes are deferred to the commit), and the content types and
    permissions, the same rows the migrations wrote, are kept. A flush that resets sequences or
    cascades is Django's own."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    kept = {"django_content_type", "auth_permission"}

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if _committed_worlds:  # a module's committed world stays until its last test (committed_world)
            return []
        if reset_sequences or allow_cascade:
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"DELETE FROM {self.quote_name(table)}" for table in tables if table not in kept
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(scope="session", autouse=True)
def _static_files_listed_once():
    """WhiteNoise's middleware lists and inspects every static file when it is made (with the finders,
    as in development and tests: each file stat'ed, its headers and compressed variants worked out),
    and Django makes the middleware again for each test client: 30 ms for each of the thousands of
    tests that use one. What it finds depends only on the settings below and the files, which no
    test changes, so the files it adds are worked out once per such settings and given to every
    middleware made with them (the same StaticFile objects, which hold no state of a request)."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    # (a WhiteNoise that no longer lists the files this way fails here, instead of slowing down quietly)
    original = WhiteNoiseMiddleware.add_files_from_finders
    found: dict = {}

    def add_files_from_finders(self):
        key = repr((
            self.static_prefix, self.max_age, self.allow_all_origins, self.charset, self.add_headers_function,
            self.index_file, getattr(settings, "WHITENOISE_IMMUTABLE_FILE_TEST", None),
            getattr(settings, "WHITENOISE_MIMETYPES", None), settings.STATIC_URL, settings.STATICFILES_DIRS,
            settings.STATICFILES_FINDERS, settings.INSTALLED_APPS, settings.STORAGES.get("staticfiles"),
        ))
        if key not in found:
            before = dict(self.files)
            original(self)
            found[key] = {url: file for url, file in self.files.items() if before.get(url) is not file}
        self.files.update(found[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders
    yield
    WhiteNoiseMiddleware.add_files_from_finders = original


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Fast hashing, a cache namespace of the test's own (rate limits must not leak between tests),
    and tasks run eagerly unless a test starts a real worker."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches = {k: dict(v) for k, v in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    settings.SITE_URL = "http://testserver"
    settings.PAGE_CACHE_SECONDS = 0  # tests of the page cache turn it on
    from coalition.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    forget_cache_keys()


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch):
    """The rate limits count in fixed windows of the clock (members/access.py): a test that makes
    its limit's worth of requests and then one more would pass or fail by whether a minute's edge
    fell between them. Each test runs in one window: the window's clock stands at the test's start
    (nothing else reads it)."""
    import time

    from members import access

    started = time.time()
    monkeypatch.setattr(access, "time", type("StoppedClock", (), {"time": staticmethod(lambda: started)}))


def forget_cache_keys(prefix: str | None = None) -> None:
    """Tests clean up what they create: the keys of the current cache namespace (KEY_PREFIX, or
    ``prefix``) go, on Redis, when the test ends (a run used to leave thousands behind, most without
    expiry). Only this namespace: another process's tests share the database."""
    from django.core.cache import cache

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return
    client = cache._cache.get_client(None, write=True)
    prefix = prefix or settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


# --- A module's world, built once ---------------------------------------------------------------


@pytest.fixture(scope="module")
def _module_world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The rows (and media files) the test module's ``make_world(media_root)`` makes (or the function
    its ``world_maker`` fixture names, for a world a package's conftest defines), built once
    for the module instead of once for each of its tests (the permission matrices are hundreds of
    cells over one world: building it was most of their time).

    The world is made inside a transaction opened here and rolled back when the module's tests are
    done; each test runs in a savepoint within it (pytest-django's ``db``), so what a test changes is
    undone before the next one, as with a world of its own. ``module_world`` gives each test a deep
    copy of the objects (Django's TestCase does the same for setUpTestData) and a copy of the media
    files in its own ``tmp_path``, the media root while it runs. Transactional tests (live servers,
    workers) cannot run inside that transaction: a module made only of them can share a committed
    world instead (``committed_world``)."""
    module = request.module
    transactional = [item.nodeid for item in request.session.items
                     if item.module is module and _database_use(item) == 1]
    if transactional:
        pytest.fail(f"{module.__name__} shares a world but has transactional tests: {transactional[:3]} "
                    "(a module of transactional tests only: committed_world)")
    media = tmp_path_factory.mktemp("world-media")
    with rolled_back_world(django_db_blocker, _maker(request), media) as world:
        yield world, media


@contextlib.contextmanager
def rolled_back_world(django_db_blocker, make, media):
    """``make(media)``'s world, made inside a transaction that is rolled back when the block ends
    (the tests run inside it use pytest-django's ``db``: each in a savepoint, see _module_world)."""
    from django.db import transaction

    prefix = f"test-world-{uuid.uuid4().hex[:12]}"
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            world = _make_world(make, media, prefix)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        forget_cache_keys(prefix)


def _maker(request):
    """The module's ``make_world(media)``, or the function its ``world_maker`` fixture names."""
    return getattr(request.module, "make_world", None) or request.getfixturevalue("world_maker")


def _make_world(make, media, prefix):
    """``make(media)``, with the settings every test gets from _test_settings (cache keys under
    ``prefix``), media files in ``media``."""
    from django.test.utils import override_settings
    from django.utils import translation

    from coalition.celery import app

    caches = {k: dict(v) for k, v in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = prefix
    overrides = override_settings(  # what _test_settings gives every test
        MEDIA_ROOT=media, CACHES=caches, SITE_URL="http://testserver", PAGE_CACHE_SECONDS=0,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    eager = app.conf.task_always_eager
    try:
        with overrides:
            app.conf.task_always_eager = True
            return make(media)
    finally:
        app.conf.task_always_eager = eager
        translation.deactivate()


@pytest.fixture
def module_world(_module_world, db, settings, tmp_path):
    """This test's copy of its module's world (see ``_module_world``)."""
    return copy_of_world(*_module_world, settings, tmp_path)


def copy_of_world(world, media, settings, tmp_path):
    """A test's own copy of a shared world: a deep copy of the objects (as Django's TestCase gives
    of setUpTestData's), and of its media files in the test's ``tmp_path``, the media root."""
    import copy
    import shutil

    shutil.copytree(media, tmp_path, dirs_exist_ok=True)
    settings.MEDIA_ROOT = tmp_path
    return copy.deepcopy(world)


@pytest.fixture(scope="module")
def _committed_module_world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The world of a module of transactional tests (a live server's pages, read in a browser) that
    only read it: made once, as ``_module_world`` makes one, but committed (the live server's thread
    has a connection of its own, and sees only committed rows), and kept until the module's last
    test is done: the flush that ends each of its tests deletes nothing meanwhile (_quick_flush), and
    the database is emptied after the last one. Building the portal and emptying the database was a
    third of each accessibility test.

    What a test writes (the session of the member it signs in, a user of its own) stays for the
    module's later tests, which must not depend on it; every test of the module must be
    transactional (its tests are handed out in a run of their own, after the rolled-back ones,
    so no other module's test sees the rows)."""
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS

    module = request.module
    rolled_back = [item.nodeid for item in request.session.items
                   if item.module is module and _database_use(item) != 1]
    if rolled_back:
        pytest.fail(f"{module.__name__} commits its world but has tests that are not transactional: "
                    f"{rolled_back[:3]} (module_world is the world for those)")
    media = tmp_path_factory.mktemp("world-media")
    prefix = f"test-world-{uuid.uuid4().hex[:12]}"

    def empty():
        _committed_worlds.remove(module.__name__)
        call_command("flush", verbosity=0, interactive=False, database=DEFAULT_DB_ALIAS)

    with django_db_blocker.unblock():
        _committed_worlds.append(module.__name__)
        try:
            world = _make_world(_maker(request), media, prefix)
        except BaseException:
            empty()
            raise
    yield world, media
    with django_db_blocker.unblock():
        empty()
    forget_cache_keys(prefix)


@pytest.fixture
def committed_world(_committed_module_world, transactional_db, settings, tmp_path):
    """This test's copy of its module's committed world (see ``_committed_module_world``)."""
    return copy_of_world(*_committed_module_world, settings, tmp_path)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium, headless, with nothing that calls out to the internet."""
    return {
        "executable_path": CHROMIUM,
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


# What every browser context of the tests is: a Japanese browser in Japan.
BROWSER_CONTEXT = {"locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **BROWSER_CONTEXT}


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """``with deliver(): client.post(...)`` runs the on-commit callbacks (outbox delivery, eager)
    the way a real commit would; the test's own transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free local port."""
    from tests.services import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp(settings, smtp_sink):
    """Delivery (of the test and of its live server) goes to a real SMTP server (aiosmtpd) instead of
    Django's memory outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink


@pytest.fixture
def celery_services(transactional_db, smtp_sink, tmp_path):
    """Start real Celery workers (and beat) on Redis against the test database, delivering to
    ``smtp_sink``. Tasks the test enqueues go to Redis, not to an eager call."""
    from coalition.celery import app
    from tests import services

    started = []

    class Services:
        sink = smtp_sink
        env = services.service_env(smtp_sink)

        def worker(self, concurrency=2, **extra):
            env = {**self.env, **{k: str(v) for k, v in extra.items()}}
            proc = services.worker(env, tmp_path / f"worker-{len(started)}.log", concurrency=concurrency).start()
            started.append(proc)
            return proc

        def beat(self):
            # a schedule file of its own: a second beat (tests/coalition/test_workers.py) is a second host
            proc = services.beat(self.env, tmp_path / f"beat-{len(started)}.log",
                                 tmp_path / f"beat-schedule-{len(started)}")
            proc.start(ready="beat: Starting")
            started.append(proc)
            return proc

        def logs(self):
            return "\n".join(p.log_path.read_text(errors="replace")[-4000:] for p in started)

    app.conf.task_always_eager = False
    try:
        yield Services()
    finally:
        for proc in reversed(started):
            proc.stop()
        app.conf.task_always_eager = True


# --- The slow tests first ----------------------------------------------------------------------


def _database_use(item) -> int:
    """pytest-django's order (which runs after a test that empties the database must not come a test
    that needs the rows the migrations wrote): 0 in a rolled-back transaction, 1 transactional (the
    database is emptied after it), 2 without the database."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    if (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) \
            or "transactional_db" in fixtures or "live_server" in fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Start the tests that take long (marked ``slow`` or ``browser``: real workers, whole-site
    crawls, subprocesses) as early as pytest-django's order allows, keeping the order within each
    kind: the slow tests without the database first of all (they touch no test database), then within
    each of its three parts the slow tests first. pytest-xdist hands the tests out in this order, so
    short tests fill the end of the run on both processes instead of one process finishing a
    minutes-long test alone while the other idles."""

    def key(item):
        slow = bool(item.get_closest_marker("slow") or item.get_closest_marker("browser"))
        use = _database_use(item)
        return (-1, 0) if slow and use == 2 else (use, 0 if slow else 1)

    items.sort(key=key)


# --- One process for the tests that share a costly module fixture -------------------------------

# Modules whose tests share a module-scoped fixture that costs minutes (the seeded demo site crawled
# as every role in both languages): pytest-xdist's default scheduling spreads their tests over both
# processes, and each process then builds the fixture again (about 250 s on a quiet machine).
ONE_PROCESS_MODULES = {"tests/coalition/test_valid_output.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Hand out tests one at a time, in collection order (so the slow-first order above and
    pytest-django's order hold on each process), except that the tests of ONE_PROCESS_MODULES go to
    one process together. (`--dist loadgroup` would say the same with marks, but with pytest 9 its
    groups are not applied: the tests of a grouped module still reached both processes.)"""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_PROCESS_MODULES else nodeid

    config.option.loadscopereorder = False  # keep the collection order, not the largest scope first
    return Scheduling(config, log)


# --- Say, at the end of a run, which tests needed a service they did not have -------------------

_SERVICE_MARKS = {"postgres": "PostgreSQL", "redis": "Redis", "browser": "Chromium"}
# The one line that runs a skipped group, printed under it.
_RUN_THEM = {
    "postgres": "DATABASE_URL=postgres://postgres@127.0.0.1:5432/coalition scripts/test -m postgres",
    "redis": "redis-server --daemonize yes --port 6379 && REDIS_URL=redis://127.0.0.1:6379/1 scripts/test -m redis",
    "browser": "sudo apt-get install -y chromium fonts-noto-cjk && scripts/test -m browser"
               "   (or CHROMIUM=/path/to/chromium scripts/test -m browser)",
}
_skipped_for = {mark: [] for mark in _SERVICE_MARKS}


def pytest_runtest_logreport(report):
    """Collect the skips of tests marked for a service (the xdist controller sees the workers'
    reports here too; their keywords carry the markers' names)."""
    if report.skipped and report.when == "setup":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        for mark in _SERVICE_MARKS:
            if mark in report.keywords and "not configured" in reason:
                _skipped_for[mark].append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    """One section naming the tests skipped for want of a service: the concurrency tests (the last
    seat taken twice, the outbox claimed at once, a request decided twice at once) need PostgreSQL,
    and a run that skipped them must say so where it cannot be missed."""
    lines = []
    for mark, service in _SERVICE_MARKS.items():
        tests = sorted({nodeid.split("[")[0] for nodeid in _skipped_for[mark]})
        if not tests:
            continue
        then = ""
        if mark == "postgres" and os.environ.get("TEST_POSTGRES_PASS") == "next":
            then = "; scripts/test runs them next, on the PostgreSQL it found"
        lines.append(f"{len(_skipped_for[mark])} tests SKIPPED: they need {service}, not configured{then}")
        lines.extend(f"    {test}" for test in tests)
        if not then:
            lines.append(f"  to run them: {_RUN_THEM[mark]}")
    if lines:
        terminalreporter.write_sep("=", "tests skipped for want of a service", yellow=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=True)
