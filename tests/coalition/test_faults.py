"""Faults the portal must survive, against the real services: an SMTP server that goes away in the
middle of a 2,000-message digest, a PostgreSQL restart under traffic, and two people deciding the
same thing at the same moment.

(The worker killed mid-batch and Redis losing its queue are in tests/members/test_outbox_worker.py;
the last seat of a meeting taken twice at once in tests/meetings/test_meetings.py.)
"""

import contextlib
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction

from meetings import digest
from meetings.tasks import weekly_digest
from members.audit.models import AuditEntry
from members.models import Affiliation, Institution, MembershipApplication, User
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, WorkingGroupFactory, coordinator_of, secretariat_user, staff_of
from tests.services import free_port, wait_until
from working_groups import services as wg_services
from working_groups.models import Initiative, Membership
from working_groups.services import refresh_derived

ROOT = Path(__file__).resolve().parent.parent.parent


def readers(n: int) -> tuple[list[User], datetime.datetime]:
    """``n`` people in a group with something new for this week's digest (bulk: factories for 2,000
    people would take most of the test's time)."""
    from allauth.account.models import EmailAddress

    group = WorkingGroupFactory()
    institution = InstitutionFactory()
    users = User.objects.bulk_create(
        User(email=f"reader-{i}@member.example", name=f"読者 {i}", language="ja" if i % 3 else "en",
             password="!")  # an unusable password: nobody signs in
        for i in range(n)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    Affiliation.objects.bulk_create(
        Affiliation(user=u, institution=institution, role="staff", status="approved") for u in users
    )
    Membership.objects.bulk_create(
        Membership(group=group, user=u, institution=institution, status="active") for u in users
    )
    monday = datetime.datetime(2030, 12, 16, 8, 0, tzinfo=digest.TOKYO)
    news = Initiative(institution=institution, slug="fault-news", title="今週の取組", summary="s", body="b",
                      prefecture="13", started_on=datetime.date(2030, 1, 1), status="published",
                      published_at=monday - datetime.timedelta(days=1))
    refresh_derived(news)
    news.save()
    news.themes.set([group])
    return users, monday


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_smtp_down_in_the_middle_of_a_2000_digest_every_reader_gets_exactly_one(celery_services, capsys):
    users, monday = readers(2000)
    sink = celery_services.sink
    celery_services.worker()
    celery_services.beat()
    weekly_digest.delay(monday.isoformat())
    before = sink.wait_for(300, timeout=120)
    assert before < 2000, "the digest was over before the SMTP server could go away"
    sink.stop()  # connections are now refused
    waiting = Notification.objects.filter(kind="weekly_digest", last_error__startswith="server unavailable")
    wait_until(waiting.exists, timeout=120, what="retries, with the error recorded, while SMTP is down")
    error = waiting.values_list("last_error", flat=True).first()
    time.sleep(2)
    during, deferred = len(sink.messages), waiting.count()
    sink.start()
    wait_until(lambda: Notification.objects.filter(kind="weekly_digest", status="sent").count() == 2000,
               timeout=300, what="2,000 digests sent after SMTP came back")
    time.sleep(2)  # anything sent twice would arrive now
    per_address = Counter(m["To"] for m in sink.messages)
    with capsys.disabled():
        print(f"\n[SMTP outage] {before} delivered before the outage, {during - before} during it, "
              f"{len(sink.messages)} in all; {deferred} rows waited for the server ({error[:60]})")
    assert set(per_address) == {u.email for u in users}  # every reader...
    assert set(per_address.values()) == {1}  # ...exactly once
    assert deferred > 0  # the outbox showed why they waited...
    # ...and the outage cost nobody an attempt: only the try that went through counts
    assert set(Notification.objects.filter(kind="weekly_digest").values_list("attempts", flat=True)) == {1}


# --- PostgreSQL restarts under traffic ------------------------------------------------------------


class PrivateCluster:
    """A PostgreSQL of this test's own (initdb in a temporary directory, its own port), so that
    stopping it cannot disturb the tests running in parallel on the shared server."""

    def __init__(self, base: Path):
        bindir = next(Path("/usr/lib/postgresql").glob("*/bin"), None)
        if bindir is None:
            pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        self.bin, self.base, self.port = bindir, base, free_port()
        self.data, self.sockets = base / "data", base / "sockets"
        self.as_postgres = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]

    def run(self, *args):
        done = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, args, done.stdout, done.stderr)

    def init(self):
        self.sockets.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sockets, "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                 "--locale=C.UTF-8")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.base / "log"),
                 "-w", "start")

    def stop(self):
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own local server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_restart_under_traffic_gives_503_then_recovers_by_itself(tmp_path):
    # Not under tmp_path: the postgres user (initdb refuses to run as root) cannot enter pytest's
    # private temporary directory.
    cluster = PrivateCluster(Path(tempfile.mkdtemp(prefix="coalition-pg-"))).init()
    cluster.start()
    gunicorn = None
    try:
        subprocess.run([*cluster.as_postgres, str(cluster.bin / "createdb"), "-h", "127.0.0.1", "-p",
                        str(cluster.port), "-U", "postgres", "portal"], check=True, timeout=60)
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")}
        env.update(DATABASE_URL=cluster.url, PAGE_CACHE_SECONDS="0", DJANGO_ENV="development", DEBUG="0")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True,
                       timeout=300)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "coalition.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--log-level", "warning", "--chdir", str(ROOT)],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=(tmp_path / "gunicorn.log").open("w"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        assert get(base + "/ja/members/")[0] == 200

        statuses, stop = Counter(), threading.Event()

        def traffic():
            while not stop.is_set():
                for path in ("/ja/members/", "/en/working-groups/", "/ja/meetings/"):
                    try:
                        statuses[get(base + path)[0]] += 1
                    except OSError:
                        statuses["no answer"] += 1

        walkers = [threading.Thread(target=traffic) for _ in range(2)]
        for walker in walkers:
            walker.start()
        time.sleep(1)
        cluster.stop()
        time.sleep(1)
        # filters asked for the first time: their count and facets are in no cache (an empty
        # directory's cached count of 0 lets /ja/members/ itself answer without the database)
        down_page = get(base + "/ja/members/?prefecture=13")
        down_health = get(base + "/healthz")
        cluster.start()
        recovered = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if get(base + "/ja/members/")[0] == 200:
                recovered = time.monotonic()
                break
            time.sleep(0.2)
        time.sleep(1)
        stop.set()
        for walker in walkers:
            walker.join(timeout=30)
        up_health = get(base + "/healthz")
        print(f"\n[PostgreSQL restart] answers under traffic: {dict(statuses)}")

        assert down_page[0] == 503 and "一時的に利用できません" in down_page[1]  # a clear page, not a 500
        assert down_health[0] == 503 and '"database": "error' in down_health[1]
        assert recovered is not None, "the portal did not recover after PostgreSQL came back"
        assert up_health[0] == 200
        assert gunicorn.poll() is None  # recovered by itself: the same server, never restarted
        assert set(statuses) <= {200, 503}, statuses  # never a 500, never a dropped connection
        assert statuses[503] > 0 and statuses[200] > 0
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, 15)
            gunicorn.wait(timeout=30)
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(cluster.base, ignore_errors=True)


# --- two people deciding the same thing at once ---------------------------------------------------


def at_once(*calls):
    """Run the calls in threads released together; each has its own database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
            results[index] = ("refused", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_approving_the_same_request_at_once_approve_it_once():
    coordinating = InstitutionFactory()
    group = WorkingGroupFactory(coordinators=[coordinating])
    applicant_institution = InstitutionFactory()
    person = staff_of(applicant_institution)
    with transaction.atomic():
        request = Membership.objects.create(group=group, user=person, institution=applicant_institution,
                                            status="pending")
    first, second = coordinator_of(group, coordinating), coordinator_of(group, coordinating)
    outcomes = at_once(
        lambda: wg_services.membership_decide(membership=request, by=first, approve=True),
        lambda: wg_services.membership_decide(membership=request, by=second, approve=True),
    )
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    refused = next(value for kind, value in outcomes if kind == "refused")
    assert isinstance(refused, ValidationError)
    request.refresh_from_db()
    assert request.status == "active"
    assert AuditEntry.objects.filter(action="membership.approve").count() == 1
    assert Notification.objects.filter(kind="group_join_decided", recipient=person).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_application_approved_twice_at_once_makes_one_member():
    from members.services import applications as member_services

    application = MembershipApplication.objects.create(
        name_ja="同時大学", name_en="Simultaneous University", name_kana="どうじだいがく", kind="national",
        category="participating", prefecture="13", website="https://simultaneous.example",
        applicant_name="申請 太郎", applicant_title="事務長", applicant_email="applicant@simultaneous.example",
        representative_name="代表 花子", representative_title="学長", status="submitted",
    )
    one, two = secretariat_user(), secretariat_user()
    outcomes = at_once(
        lambda: member_services.application_approve(application=application, by=one),
        lambda: member_services.application_approve(application=application, by=two),
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert Institution.objects.filter(name_en="Simultaneous University").count() == 1
    assert AuditEntry.objects.filter(action="application.approve").count() == 1
