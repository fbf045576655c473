"""The weekly digest survives faults while it is being *built*, not only while it is sent.

Real processes: a Celery worker (and beat) on Redis and PostgreSQL, delivering to an aiosmtpd SMTP
server (tests/services.py). Every reader has something to read (an institution joined that week), so
every one of them must receive exactly one digest, counted at the SMTP server; a SIGKILL may repeat
at most the one message that was in SMTP's hands at that moment.
"""

import datetime
import time
from collections import Counter

import psycopg
import pytest
from allauth.account.models import EmailAddress
from django.db import transaction

from coalition.celery import app
from meetings import digest
from meetings.models import DigestChunk, DigestRun
from members.models import User
from members.notifications.models import Notification
from tests.factories import InstitutionFactory
from tests.services import RedisServer, database_url, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

MONDAY = datetime.datetime(2030, 12, 16, 8, 0, tzinfo=digest.TOKYO)
BATCH = 20  # people per build task: many tasks, so that a kill lands inside the build


def readers(n: int) -> list[str]:
    """``n`` verified people, and news for all of them: an institution that joined that week."""
    users = User.objects.bulk_create(
        User(email=f"reader{i}@example.org", name=f"読者 {i}", language="en" if i % 3 == 0 else "ja")
        for i in range(n)
    )
    EmailAddress.objects.bulk_create(EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users)
    InstitutionFactory(name_ja="今週の新会員大学", joined_on=(MONDAY - datetime.timedelta(days=2)).date())
    return [u.email for u in users]


def digests(**filters) -> int:
    return Notification.objects.filter(kind=digest.KIND, **filters).count()


def start_digest(connection=None):
    """What beat does on Monday morning: hand ``meetings.weekly_digest`` to the broker."""
    app.send_task("meetings.weekly_digest", args=(MONDAY.isoformat(),), connection=connection,
                  queue=app.conf.task_default_queue)


def assert_each_once(sink, emails, kills: int = 0):
    received = Counter(m["To"] for m in sink.messages)
    assert set(received) == set(emails), f"{len(set(emails) - set(received))} reader(s) got no digest"
    duplicates = sum(c - 1 for c in received.values())
    assert duplicates <= kills, f"{duplicates} duplicate(s) for {kills} kill(s)"
    assert digests() == len(emails)  # one row per person and week, whatever ran twice


def test_digest_build_and_send_survive_sigkill_at_three_points_of_the_build_and_one_of_the_send(
        celery_services, capsys):
    emails = readers(1500)
    n = len(emails)
    sink = celery_services.sink
    celery_services.env["DIGEST_BATCH_SIZE"] = str(BATCH)
    start_digest()
    seen = []
    # Early (the first build tasks), in the middle, and near the end of the build: one pool process,
    # so each kill lands in a build task that has written some digests and not others.
    for threshold in (1, n // 2, n - 4 * BATCH):
        worker = celery_services.worker(concurrency=1)
        wait_until(lambda t=threshold: digests() >= t, timeout=120, what=f"{threshold} digests built")
        worker.kill()
        seen.append(digests())
    assert seen[-1] < n, f"the build finished before the last kill ({seen})"
    # ...and once more while the digests are being sent.
    sink.delay = 0.005
    worker = celery_services.worker(concurrency=1)
    celery_services.beat()
    wait_until(lambda: len(sink.messages) >= 200, timeout=120, what="the sending to begin")
    worker.kill()
    at_kill = len(sink.messages)
    sink.delay = 0
    celery_services.worker(concurrency=2)
    wait_until(lambda: digests(status="sent") == n, timeout=240, what=f"{n} digests sent")
    time.sleep(1)  # let a duplicate that was going to happen arrive
    with capsys.disabled():
        print(f"\n[digest kills] built {seen} at the three kills of the build, {at_kill} received at the kill "
              f"of the send, {len(sink.messages)} received for {n} readers")
    assert_each_once(sink, emails, kills=4)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "redis.log").start()
    yield server
    server.stop()


def test_digest_build_survives_redis_flushed_in_the_middle(celery_services, own_redis):
    emails = readers(1500)
    n = len(emails)
    # Worker, beat and this test all on a Redis of the test's own, which it flushes.
    celery_services.env.update(REDIS_URL=own_redis.url, DIGEST_BATCH_SIZE=str(BATCH))
    with app.connection_for_write(own_redis.url) as connection:
        start_digest(connection)
    celery_services.worker(concurrency=1)
    celery_services.beat()
    wait_until(lambda: digests() >= n // 3, timeout=120, what="a third of the digests built")
    own_redis.flushall()
    at_flush = digests()
    assert at_flush < n, "the build finished before the flush"
    wait_until(lambda: digests(status="sent") == n, timeout=240, what=f"{n} digests sent after FLUSHALL")
    time.sleep(1)
    assert_each_once(celery_services.sink, emails, kills=0)


def test_digest_started_twice_while_building_writes_one_per_person(celery_services):
    """A second start (a restarted beat, someone running it by hand) joins the build in progress."""
    emails = readers(300)
    celery_services.env["DIGEST_BATCH_SIZE"] = str(BATCH)
    start_digest()
    start_digest()
    celery_services.worker(concurrency=2)
    wait_until(lambda: digests(status="sent") == len(emails), timeout=120, what="300 digests sent")
    start_digest()
    time.sleep(3)
    assert_each_once(celery_services.sink, emails, kills=0)
    with transaction.atomic():
        assert digests() == len(emails)


def test_worker_killed_while_planning_the_digest_every_reader_still_gets_one(celery_services):
    """SIGKILL of the worker in the middle of planning (the run recorded, its recipients read, its
    chunks not yet written): the planning's transaction dies with the worker, the run stays
    *planning*, and the sweeper of the next worker plans and builds it; one digest each."""
    emails = readers(400)
    celery_services.env["DIGEST_BATCH_SIZE"] = str(BATCH)
    # Hold the planning still at its insert of the chunks: this connection locks the chunk table
    # against writes (reads go on), so the kill lands inside the planning, every time.
    with psycopg.connect(database_url()) as lock, psycopg.connect(database_url(), autocommit=True) as watch:
        lock.execute(f"LOCK TABLE {DigestChunk._meta.db_table} IN SHARE MODE")
        start_digest()
        worker = celery_services.worker(concurrency=1)

        def planning_waits():  # (from a connection of its own: a transaction sees one snapshot of the activity)
            row = watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s", (f'INSERT INTO "{DigestChunk._meta.db_table}"%',),
            ).fetchone()
            return row[0] == 1

        wait_until(planning_waits, timeout=60, what="the planning to reach its insert of the chunks")
        worker.kill()
        lock.rollback()  # the lock goes; the killed worker's transaction is rolled back, never committed
    run = DigestRun.objects.get(kind=digest.KIND)
    wait_until(lambda: not DigestChunk.objects.exists() and DigestRun.objects.filter(
        pk=run.pk, status=DigestRun.Status.PLANNING).exists(), timeout=10, what="the dead planning to leave nothing")
    assert digests() == 0
    celery_services.worker(concurrency=2)
    celery_services.beat()
    wait_until(lambda: digests(status="sent") == len(emails), timeout=120, what="400 digests sent after the kill")
    time.sleep(1)
    assert_each_once(celery_services.sink, emails, kills=0)
    run.refresh_from_db()
    assert run.chunks_total == len(emails) // BATCH
    assert DigestRun.objects.count() == 1
