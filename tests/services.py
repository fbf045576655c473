"""Real services the tests start themselves: an SMTP sink (aiosmtpd) and Celery worker/beat processes.

Nothing here is a mock: the sink is a real SMTP server on a local port, the worker is
``celery -A coalition worker`` in its own process, talking to the real Redis and PostgreSQL.
"""

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import redis
from aiosmtpd.controller import Controller
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.sink.lock:
            self.sink.connections += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.sink.mail_reply:
            return self.sink.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.sink.reply_for(address)
        if code:
            return code
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(self.sink.drops_for(address) for address in envelope.rcpt_tos):
            with self.sink.lock:
                self.sink.dropped += 1
            server.transport.close()  # hang up on this message: the client sees the connection go
            return "421 4.4.2 dropped"  # written to the closed connection: never read
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 Message accepted"


class SmtpSink:
    """A real SMTP server collecting what it receives. ``stop()`` closes the port (connections are
    refused), ``start()`` opens it again on the same port. ``replies`` maps an address prefix to an
    SMTP reply for RCPT (e.g. ``{"busy": "451 4.3.0 Try later"}``); ``mail_reply`` is the reply
    to every MAIL FROM when set; ``drops`` lists address prefixes whose messages make the server
    hang up once their data is sent (no reply), every time."""

    def __init__(self, delay: float = 0.0):
        self.port = free_port()
        self.messages: list = []
        self.connections = 0
        self.delay = delay
        self.replies: dict[str, str] = {}
        self.mail_reply: str | None = None
        self.drops: list[str] = []
        self.dropped = 0
        self.lock = threading.Lock()
        self.controller = None

    def reply_for(self, address: str) -> str | None:
        for prefix, reply in self.replies.items():
            if address.startswith(prefix):
                return reply
        return None

    def drops_for(self, address: str) -> bool:
        return any(address.startswith(prefix) for prefix in self.drops)

    def start(self):
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(m["Message-ID"] for m in self.messages)

    def wait_for(self, count: int, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return len(self.messages)
            time.sleep(0.05)
        return len(self.messages)


def database_url() -> str:
    """The URL of the database the tests are using right now (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def service_env(smtp: SmtpSink | None = None, **extra) -> dict:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        SITE_URL="http://testserver",
        NOTIFY_SENDING_TIMEOUT="3",
        NOTIFY_QUEUED_GRACE="2",
        NOTIFY_RETRY_BASE="1",
        NOTIFY_OUTAGE_MAX_DELAY="5",
        NOTIFY_SWEEP_INTERVAL="1",
        DIGEST_CATCH_UP_HOURS="0",  # the tests' beats must not start the real week's digest
        PYTHONUNBUFFERED="1",
    )
    if smtp is not None:
        env["EMAIL_URL"] = smtp.url
    env.update({k: str(v) for k, v in extra.items()})
    return env


class CeleryProcess:
    """``celery -A coalition worker`` (or beat) in a process group of its own."""

    def __init__(self, env: dict, log_path: Path, *args: str):
        self.env, self.log_path, self.args = env, log_path, args
        self.proc = None

    def start(self, ready: str = "ready.", timeout: float = 60.0):
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "coalition", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready in self.log_path.read_text(errors="replace"):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("celery exited:\n" + self.log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        raise RuntimeError("celery did not start:\n" + self.log_path.read_text(errors="replace")[-3000:])

    def kill(self):
        """SIGKILL the whole process group: the worker and its pool children die mid-flight."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()


def worker(env, log_path, concurrency=2) -> CeleryProcess:
    return CeleryProcess(
        env,
        log_path,
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
    )


def beat(env, log_path, schedule_path) -> CeleryProcess:
    return CeleryProcess(env, log_path, "beat", "--loglevel=INFO", f"--schedule={schedule_path}")


def wait_until(predicate, timeout=90.0, what="condition"):
    """Poll ``predicate`` until it holds; on timeout, fail with the outbox's rows by status."""
    from members.notifications.models import Notification

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    statuses = dict(Counter(Notification.objects.values_list("status", flat=True)))
    raise AssertionError(f"timed out waiting for {what}; outbox: {statuses}")


class RedisServer:
    """A Redis of the test's own (``redis-server``, keeping nothing on disk), for fault tests that
    flush or restart it: the Redis named by REDIS_URL is shared with other runs, which a FLUSHALL
    would rob of their queued tasks. The port comes from TEST_REDIS_PORT when set (a range agreed
    for this host), else from the system."""

    def __init__(self, log_path: Path):
        self.port = int(os.environ.get("TEST_REDIS_PORT") or free_port())
        self.log_path = log_path
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0):
        self.log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.proc.poll() is not None:
                    raise RuntimeError("redis-server exited:\n" + self.log_path.read_text(errors="replace")) from None
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def flushall(self):
        redis.Redis.from_url(self.url).flushall()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()
