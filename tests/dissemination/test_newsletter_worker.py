"""A newsletter issue reaches each confirmed subscriber exactly once, counted at a real SMTP server
(aiosmtpd), with a real Celery worker on Redis killed in the middle of the sending."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from meetings.dissemination import services
from meetings.dissemination.models import Subscriber
from members.notifications.models import Notification
from tests.services import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def test_issue_with_worker_killed_mid_send_reaches_each_subscriber_once(celery_services, capsys):
    sink = celery_services.sink
    sink.delay = 0.01  # a slow server, so that the kill lands in the middle of the batches
    now = timezone.now()
    Subscriber.objects.bulk_create([
        Subscriber(email=f"reader{n}@example.net", language="ja" if n % 3 else "en", status="confirmed",
                   confirmed_at=now) for n in range(300)])
    Subscriber.objects.create(email="pending@example.net")
    issue = services.issue_save(by=None, data={"subject_ja": "9月号", "subject_en": "September",
                                               "body_ja": "本文", "body_en": "Text"})
    worker = celery_services.worker(concurrency=1)
    with transaction.atomic():
        assert services.issue_send(issue=issue, by=None) == 300
    sink.wait_for(50, timeout=60)
    worker.kill()
    at_kill = len(sink.messages)
    assert at_kill < 300, "the worker finished before it could be killed"
    celery_services.worker(concurrency=2)
    celery_services.beat()
    wait_until(lambda: Notification.objects.filter(kind="newsletter", status="sent").count() == 300,
               timeout=120, what="300 sent after the restart")
    time.sleep(1)
    received = sink.message_ids()
    duplicates = sum(c - 1 for c in received.values())
    with capsys.disabled():
        print(f"\n[newsletter kill test] {at_kill} received before SIGKILL, {duplicates} duplicate(s) after recovery")
    assert set(received) == {row.message_id for row in Notification.objects.filter(kind="newsletter")}
    assert sorted({m["To"] for m in sink.messages}) == sorted(f"reader{n}@example.net" for n in range(300))
    assert duplicates <= 1  # only the message in SMTP's hands at the moment of the kill can repeat
    assert all(m["List-Id"] and m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in sink.messages)
