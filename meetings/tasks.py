"""Celery adapters of the meetings app: primitive arguments, one service call each."""

import datetime

from celery import shared_task
from django.db import transaction

from . import digest, services


@shared_task(name="meetings.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Periodic (beat, every 10 minutes): queue the reminders that are due and not yet sent."""
    return services.reminders_due()


@shared_task(name="meetings.erase_visitors", ignore_result=True)
def erase_visitors() -> int:
    """Periodic (beat, daily): erase the personal data of the visitors of meetings that ended more
    than VISITOR_DATA_DAYS days ago. Returns the meetings concerned."""
    return services.visitors_erase()


def enqueue_chunks(ids: list[int]) -> None:
    """One build task per chunk, once the chunks' rows are committed."""

    def enqueue():
        for pk in ids:
            build_digest_chunk.delay(pk)

    if ids:
        transaction.on_commit(enqueue)


# The build tasks are acknowledged after they ran and given back when their worker dies
# (acks_late, reject_on_worker_lost: also the project's defaults); what Redis loses anyway, the
# sweeper finds in the chunks still pending (meetings/digest.py).
@shared_task(name="meetings.weekly_digest", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def weekly_digest(moment: str | None = None) -> int:
    """Periodic (beat, Monday 08:00 JST): record this week's build, plan it into chunks and
    enqueue one build task per chunk. Returns the chunks enqueued (0 when the week's build exists)."""
    period = digest.period_for(datetime.datetime.fromisoformat(moment) if moment else None)
    _, ids = digest.run_start(period=period)
    enqueue_chunks(ids)
    return len(ids)


@shared_task(name="meetings.build_digest_chunk", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def build_digest_chunk(chunk_id: int) -> int:
    """Build one chunk of a digest run (delivery follows on commit); nothing if it is done."""
    return digest.chunk_build(chunk_id=chunk_id)


@shared_task(name="meetings.digest_sweep", ignore_result=True)
def digest_sweep() -> dict:
    """Periodic (beat): finish every digest build a killed worker or a flushed Redis left unfinished."""
    result = digest.sweep()
    enqueue_chunks(result["ids"])
    return {"enqueued": len(result["ids"]), "completed": result["completed"]}


@shared_task(name="meetings.build_digest_batch", ignore_result=True)
def build_digest_batch(user_ids: list[int], start: str, end: str, key: str) -> int:
    """The previous release's build task, kept so that a batch it enqueued before an upgrade is
    still built (under the week's deduplication key, so never twice)."""
    period = digest.Period(datetime.datetime.fromisoformat(start), datetime.datetime.fromisoformat(end), key)
    return digest.build_batch(user_ids, period)
