"""Meeting notices and the digest through a real Celery worker on Redis, PostgreSQL and an aiosmtpd
SMTP server: each message arrives once (counted per Message-ID and recipient)."""

import datetime
import time

import pytest
from django.db import transaction
from django.utils import timezone

from meetings import digest, services
from meetings.forms import AgendaFormSet, MeetingForm
from meetings.tasks import weekly_digest
from meetings.views import agenda_lines, meeting_data
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, MeetingFactory, RegistrationFactory, WorkingGroupFactory, staff_of
from tests.meetings.test_meetings import schedule_form
from working_groups.models import Initiative, Membership
from working_groups.services import refresh_derived

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]


def wait_until(predicate, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def members(group, n):
    institution = InstitutionFactory()
    users = [staff_of(institution) for _ in range(n)]
    Membership.objects.bulk_create(Membership(group=group, user=u, institution=institution, status="active")
                                   for u in users)
    return users


def test_announcement_to_200_people_arrives_once_each(celery_services):
    group = WorkingGroupFactory()
    people = members(group, 200)
    celery_services.worker()
    data = schedule_form(group, title_ja="二百人への案内")
    form = MeetingForm(data, groups=[group], kinds=["group"])
    agenda = AgendaFormSet(data, prefix="agenda")
    assert form.is_valid() and agenda.is_valid(), (form.errors, agenda.errors)
    with transaction.atomic():
        services.meeting_schedule(by=staff_of(InstitutionFactory()), data=meeting_data(form),
                                  agenda=agenda_lines(agenda))
    wait_until(lambda: Notification.objects.filter(kind="meeting_announced", status="sent").count() == 200,
               what="200 announcements")
    time.sleep(0.5)
    received = celery_services.sink.messages
    assert sorted(m["To"] for m in received) == sorted(p.email for p in people)
    assert set(celery_services.sink.message_ids().values()) == {1}


def test_a_reminder_for_a_meeting_that_moved_is_sent_for_the_new_time_only(celery_services):
    group = WorkingGroupFactory()
    meeting = MeetingFactory(group=group, title_ja="移動する会合",
                             starts_at=timezone.now() + datetime.timedelta(days=6),
                             ends_at=timezone.now() + datetime.timedelta(days=6, hours=2))
    people = members(group, 3)
    for person in people:
        RegistrationFactory(meeting=meeting, user=person)
    with transaction.atomic():
        services.reminders_due()  # queued for the old time; no worker runs yet
    meeting.refresh_from_db()
    meeting.starts_at -= datetime.timedelta(days=1, hours=3)
    meeting.ends_at -= datetime.timedelta(days=1, hours=3)
    meeting.save()
    with transaction.atomic():
        assert services.reminders_due() == 1  # due again for the new time
    celery_services.worker()
    wait_until(lambda: Notification.objects.filter(kind="meeting_reminder_week", status__in=["sent", "skipped"])
               .count() == 6, what="the reminders to be delivered or dropped")
    statuses = sorted(Notification.objects.filter(kind="meeting_reminder_week").values_list("status", flat=True))
    assert statuses == ["sent"] * 3 + ["skipped"] * 3
    new_day = timezone.localtime(meeting.starts_at)
    received = celery_services.sink.messages
    assert sorted(m["To"] for m in received) == sorted(p.email for p in people)
    for message in received:
        body = message.get_body(("plain",)).get_content()
        assert f"{new_day.month}月{new_day.day}日" in body and f"{new_day:%H:%M} JST" in body


def test_digest_run_twice_in_the_same_week_sends_nothing_new(celery_services):
    group = WorkingGroupFactory()
    people = members(group, 30)
    monday = datetime.datetime(2030, 12, 16, 8, 0, tzinfo=digest.TOKYO)
    i = Initiative(institution=InstitutionFactory(), slug="digest-item", title="今週の取組", summary="s",
                   body="b", prefecture="13", started_on=datetime.date(2030, 1, 1), status="published",
                   published_at=monday - datetime.timedelta(days=1))
    refresh_derived(i)
    i.save()
    i.themes.set([group])
    celery_services.worker()
    weekly_digest.delay(monday.isoformat())
    weekly_digest.delay(monday.isoformat())  # a restarted beat, a retried task
    wait_until(lambda: Notification.objects.filter(kind="weekly_digest", status="sent").count() == 30,
               what="30 digests")
    time.sleep(2)
    weekly_digest.delay(monday.isoformat())  # once more, after the first ones were sent
    time.sleep(3)
    received = celery_services.sink.messages
    assert sorted(m["To"] for m in received) == sorted(p.email for p in people)
    assert Notification.objects.filter(kind="weekly_digest").count() == 30
