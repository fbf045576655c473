"""Exactly once, with a real Celery worker on Redis, PostgreSQL and an aiosmtpd SMTP server.

Every test counts what the SMTP server received per Message-ID (one per outbox row, stable across
retries), so a duplicate or a loss shows as a count other than one.
"""

import os
import re
import time

import pytest
import redis
from django.conf import settings
from django.db import transaction

from coalition.celery import app
from members.models import Affiliation
from members.notifications.models import Notification
from members.notifications.services import notify
from tests.factories import AffiliationFactory, InstitutionFactory, UserFactory, secretariat_user
from tests.services import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def people(n):
    users = UserFactory.create_batch(n)
    affiliation = AffiliationFactory(institution=InstitutionFactory(), status=Affiliation.Status.APPROVED)
    return users, affiliation


def all_sent(n):
    return lambda: Notification.objects.filter(status="sent").count() == n


def expected_ids(n):
    return {row.message_id for row in Notification.objects.all()} if n else set()


def test_500_notices_queued_in_one_transaction_arrive_exactly_once(celery_services):
    users, affiliation = people(500)
    celery_services.worker()
    with transaction.atomic():
        notify(kind="affiliation_decided", to=users, obj=affiliation)
    wait_until(all_sent(500), what="500 sent")
    received = celery_services.sink.message_ids()
    assert set(received) == expected_ids(500)
    assert set(received.values()) == {1}
    assert sorted(m["To"] for m in celery_services.sink.messages) == sorted(u.email for u in users)


def test_each_delivery_task_enqueued_twice_still_sends_once(celery_services):
    from members.notifications.tasks import deliver_notifications

    users, affiliation = people(200)
    with transaction.atomic():
        ids = notify(kind="affiliation_decided", to=users, obj=affiliation)
    # The on-commit enqueue already happened; hand every batch to the broker a second time, and
    # start two workers so that the copies really run at the same time.
    for i in range(0, len(ids), 50):
        deliver_notifications.delay(ids[i : i + 50])
    celery_services.worker()
    celery_services.worker()
    wait_until(all_sent(200), what="200 sent")
    time.sleep(1)  # let any duplicate that was going to happen arrive
    received = celery_services.sink.message_ids()
    assert len(received) == 200
    assert set(received.values()) == {1}


def test_smtp_refusing_connections_for_a_while_then_accepting(celery_services):
    sink = celery_services.sink
    users, affiliation = people(60)
    sink.stop()
    celery_services.worker()
    celery_services.beat()
    with transaction.atomic():
        notify(kind="affiliation_decided", to=users, obj=affiliation)
    tried = Notification.objects.filter(last_error__startswith="server unavailable: ConnectionRefusedError")
    wait_until(lambda: tried.count() == 60, what="every row to meet the closed port")
    time.sleep(3)  # a few more tries of the closed port
    assert Notification.objects.filter(status="sent").count() == 0
    # nobody charged; the rows wait, or a try at the closed port holds them this instant (CI, loaded,
    # read them "sending" once: a snapshot of the moving queue, not a fault)
    assert set(Notification.objects.values_list("attempts", flat=True)) == {0}
    assert set(Notification.objects.values_list("status", flat=True)) <= {"queued", "sending"}
    sink.start()
    wait_until(all_sent(60), timeout=120, what="60 sent after SMTP came back")
    received = sink.message_ids()
    assert len(received) == 60 and set(received.values()) == {1}
    # only the try that went through counts
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_worker_killed_mid_batch_loses_nothing(celery_services, capsys):
    sink = celery_services.sink
    sink.delay = 0.01  # a slow server, so that the kill lands in the middle of batches
    users, affiliation = people(400)
    # One pool process: exactly one message can be in SMTP's hands at the moment of the kill.
    worker = celery_services.worker(concurrency=1)
    with transaction.atomic():
        notify(kind="affiliation_decided", to=users, obj=affiliation)
    sink.wait_for(60, timeout=60)
    worker.kill()
    at_kill = len(sink.messages)
    assert at_kill < 400, "the worker finished before it could be killed"
    stuck = Notification.objects.filter(status="sending").count()
    celery_services.worker(concurrency=2)
    celery_services.beat()
    wait_until(all_sent(400), timeout=120, what="400 sent after the restart")
    time.sleep(1)
    received = sink.message_ids()
    duplicates = sum(c - 1 for c in received.values())
    with capsys.disabled():
        print(f"\n[kill test] received {at_kill} before SIGKILL, {stuck} rows left in 'sending', "
              f"{duplicates} duplicate(s) after recovery")
    assert set(received) == expected_ids(400)  # nothing lost
    # only the message being handed to SMTP at the moment of the kill can repeat
    assert duplicates <= 1


def test_redis_flushed_while_rows_are_queued_the_sweeper_delivers_them(celery_services):
    users, affiliation = people(150)
    with transaction.atomic():
        notify(kind="affiliation_decided", to=users, obj=affiliation)
    client = redis.Redis.from_url(settings.REDIS_URL)
    queue = app.conf.task_default_queue
    assert client.llen(queue) > 0  # the tasks were in the broker...
    # ...and are gone, as after a restart of a Redis that keeps nothing on disk. Only this test's
    # queue is dropped: the Redis database is shared with tests running in parallel, whose queued
    # tasks a FLUSHDB would lose too (their workers have no beat to recover them).
    client.delete(queue)
    assert client.llen(queue) == 0
    celery_services.worker()
    celery_services.beat()
    wait_until(all_sent(150), timeout=120, what="150 sent by the sweeper")
    received = celery_services.sink.message_ids()
    assert len(received) == 150 and set(received.values()) == {1}


# The issue measured a five-minute outage with NOTIFY_RETRY_BASE=1 s, in which the default eight
# attempts would have been spent in about two minutes. What matters is that the outage outlasts the
# attempts, whatever the time it takes: with a retry base of a tenth of a second the outage lasts until
# the worker has handed the rows back more often than the attempts allow (counted in its log), ~20-60 s
# depending on the machine's load. SMTP_OUTAGE_SECONDS=300 SMTP_OUTAGE_RETRY_BASE=1 runs the figure.
RETRY_BASE = os.environ.get("SMTP_OUTAGE_RETRY_BASE", "0.1")
OUTAGE = float(os.environ.get("SMTP_OUTAGE_SECONDS", "0"))  # 0: until the attempts are outlasted
GIVEN_BACK = re.compile(r"notifications\.deliver\[[^]]+\] succeeded in [^:]+: \{'sent': 0, .*'retry': (\d+)")


def test_a_smtp_outage_longer_than_the_default_attempts_delays_everything_and_loses_nothing(
        celery_services, settings, capsys):
    """An outage charges nobody an attempt, so it may last any time at all: here the rows meet the
    closed port more times than the default eight attempts would allow them."""
    assert "NOTIFY_MAX_ATTEMPTS" not in celery_services.env and settings.NOTIFY_MAX_ATTEMPTS == 8
    celery_services.env["NOTIFY_RETRY_BASE"] = RETRY_BASE
    sink = celery_services.sink
    users, affiliation = people(500)
    sink.stop()
    worker = celery_services.worker()
    celery_services.beat()
    with transaction.atomic():
        notify(kind="affiliation_decided", to=users, obj=affiliation)

    def given_back() -> int:
        """Rows handed back to the queue by delivery runs that sent nothing (the outage's tries)."""
        return sum(int(n) for n in GIVEN_BACK.findall(worker.log_path.read_text(errors="replace")))

    started, outlasted = time.monotonic(), 500 * settings.NOTIFY_MAX_ATTEMPTS
    while (time.monotonic() - started < OUTAGE) if OUTAGE else given_back() < outlasted:
        assert not Notification.objects.exclude(status__in=["queued", "sending"]).exists()
        assert time.monotonic() - started < OUTAGE + 300, f"only {given_back()} rows given back in 300 s"
        time.sleep(1)
    assert not Notification.objects.exclude(status__in=["queued", "sending"]).exists()
    outage, tries = time.monotonic() - started, given_back()
    tried = Notification.objects.filter(last_error__startswith="server unavailable").count()
    sink.start()
    wait_until(all_sent(500), timeout=120, what="500 sent after the outage")
    time.sleep(1)
    received = sink.message_ids()
    with capsys.disabled():
        print(f"\n[outage] {outage:.0f} s without SMTP, {tries} rows given back: {tried} rows had met it, "
              f"{len(received)} received after")
    assert tried == 500  # every row met the outage (and, on average, more often than the attempts allow)...
    assert set(received) == expected_ids(500) and set(received.values()) == {1}
    # only the try that went through counts as an attempt
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_a_message_the_server_always_hangs_up_on_fails_after_the_attempts_and_the_secretariat_sees_it(
        celery_services, client):
    """A message the SMTP server drops the connection on, every time, while it takes every other
    one: tried with back-off NOTIFY_MAX_ATTEMPTS times, then failed with its reason in the
    secretariat's outbox; the messages behind it in its batch go out meanwhile, once each."""
    sink = celery_services.sink
    sink.drops = ["poison"]
    poison = UserFactory(email="poison@example.org")  # the first row of the batch
    users, affiliation = people(30)
    celery_services.worker(NOTIFY_MAX_ATTEMPTS=3)
    celery_services.beat()
    with transaction.atomic():
        notify(kind="affiliation_decided", to=[poison, *users], obj=affiliation)
    row = Notification.objects.get(email=poison.email)
    wait_until(lambda: Notification.objects.filter(pk=row.pk, status="failed").exists(), timeout=60,
               what="the message the server hangs up on to be given up")
    wait_until(all_sent(30), timeout=30, what="the 30 others sent")
    time.sleep(2)  # nothing more is tried: no fourth hang-up, no duplicate
    row.refresh_from_db()
    assert (row.status, row.attempts, sink.dropped) == ("failed", 3, 3)
    assert row.last_error.startswith("gave up after 3 attempts: connection lost while sending this message")
    received = sink.message_ids()
    assert set(received) == {r.message_id for r in Notification.objects.filter(status="sent")}
    assert len(received) == 30 and set(received.values()) == {1}
    client.force_login(secretariat_user())
    page = client.get("/en/secretariat/outbox/", {"status": "failed"})
    html = page.content.decode()
    assert page.context["paginator"].count == 1
    assert "poison@example.org" in html and "connection lost while sending this message" in html
    assert f"/en/secretariat/outbox/{row.pk}/resend/" in html
