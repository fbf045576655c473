"""Celery on several hosts: two beats started by mistake send nothing twice, and a worker stopped
with SIGTERM (systemctl stop, a rolling restart) finishes the task in hand and gives back the rest.

Real processes on Redis and PostgreSQL, delivering to a real SMTP server (tests/services.py). A
worker that dies without warning (SIGKILL) is tests/members/test_outbox_worker.py's: the sweeper
gives its claimed rows back.
"""

import datetime
import signal
import time
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from meetings import services
from meetings.forms import AgendaFormSet, MeetingForm
from meetings.views import agenda_lines, meeting_data
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, MeetingFactory, RegistrationFactory, WorkingGroupFactory, staff_of
from tests.meetings.test_meetings import schedule_form
from tests.meetings.test_meetings_worker import members
from tests.services import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def test_two_beats_started_by_mistake_remind_each_person_once(celery_services):
    group = WorkingGroupFactory()
    starts = timezone.now() + datetime.timedelta(hours=20)
    meeting = MeetingFactory(group=group, title_ja="明日の会合", starts_at=starts,
                             ends_at=starts + datetime.timedelta(hours=2))
    people = members(group, 30)
    for person in people:
        RegistrationFactory(meeting=meeting, user=person)
    # Both beats ask for the reminders every second (and sweep the outbox every second).
    celery_services.env["MEETING_REMINDER_INTERVAL"] = "1"
    celery_services.worker()
    celery_services.worker()
    beats = [celery_services.beat(), celery_services.beat()]

    sent = Notification.objects.filter(kind="meeting_reminder_day", status="sent")
    wait_until(lambda: sent.count() == 30, what="30 reminders")
    # Each beat keeps asking; nothing more may arrive.
    wait_until(lambda: all(b.log_path.read_text().count("Sending due task meeting-reminders") >= 4 for b in beats),
               timeout=60, what="both beats to send the reminder task a few times")
    time.sleep(2)
    received = Counter(m["To"] for m in celery_services.sink.messages)
    assert received == Counter({p.email: 1 for p in people})
    assert Notification.objects.filter(kind="meeting_reminder_day").count() == 30


def test_a_worker_stopped_with_sigterm_finishes_its_batch_and_the_next_worker_sends_the_rest(celery_services):
    group = WorkingGroupFactory()
    people = members(group, 300)  # three delivery tasks of NOTIFY_BATCH_SIZE (100)
    celery_services.sink.delay = 0.03  # a batch takes a few seconds: time to stop the worker inside one
    data = schedule_form(group, title_ja="三百人への案内")
    form = MeetingForm(data, groups=[group], kinds=["group"])
    agenda = AgendaFormSet(data, prefix="agenda")
    assert form.is_valid() and agenda.is_valid(), (form.errors, agenda.errors)
    with transaction.atomic():
        services.meeting_schedule(by=staff_of(InstitutionFactory()), data=meeting_data(form),
                                  agenda=agenda_lines(agenda))
    first = celery_services.worker(concurrency=1)
    sink = celery_services.sink
    wait_until(lambda: len(sink.messages) >= 10, what="the first worker to be inside a batch")
    first.proc.send_signal(signal.SIGTERM)
    first.proc.wait(timeout=60)  # warm shutdown: it finishes the batch in hand, then exits
    delivered_by_first = len(sink.messages)

    assert first.proc.returncode == 0
    assert "Warm shutdown" in first.log_path.read_text()
    rows = Counter(Notification.objects.filter(kind="meeting_announced").values_list("status", flat=True))
    assert rows["sending"] == 0  # nothing left claimed by the stopped worker
    assert delivered_by_first % 100 == 0 and 100 <= delivered_by_first < 300  # whole batches only

    celery_services.worker(concurrency=1)
    sent = Notification.objects.filter(kind="meeting_announced", status="sent")
    wait_until(lambda: sent.count() == 300, what="the rest from the next worker")
    time.sleep(1)
    assert Counter(m["To"] for m in sink.messages) == Counter({p.email: 1 for p in people})
    assert set(sink.message_ids().values()) == {1}
