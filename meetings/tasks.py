"""Celery adapters of the meetings app: primitive arguments, one service call each."""

import datetime

from celery import shared_task

from . import digest, services


@shared_task(name="meetings.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Periodic (beat, every 10 minutes): queue the reminders that are due and not yet sent."""
    return services.reminders_due()


@shared_task(name="meetings.weekly_digest", ignore_result=True)
def weekly_digest(moment: str | None = None) -> int:
    """Periodic (beat, Monday 08:00 JST): one build task per batch of people. Returns the batches."""
    period = digest.period_for(datetime.datetime.fromisoformat(moment) if moment else None)
    count = 0
    for ids in digest.batches():
        build_digest_batch.delay(ids, period.start.isoformat(), period.end.isoformat(), period.key)
        count += 1
    return count


@shared_task(name="meetings.build_digest_batch", ignore_result=True)
def build_digest_batch(user_ids: list[int], start: str, end: str, key: str) -> int:
    """Write one batch of digests (delivery follows on commit)."""
    period = digest.Period(datetime.datetime.fromisoformat(start), datetime.datetime.fromisoformat(end), key)
    return digest.build_batch(user_ids, period)
