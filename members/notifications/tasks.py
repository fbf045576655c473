"""Celery adapters of the outbox: primitive arguments, one service call each."""

from celery import shared_task
from django.conf import settings

from . import delivery


@shared_task(name="notifications.deliver", ignore_result=True, bind=True)
def deliver_notifications(self, ids: list[int], outages: int = 0) -> dict:
    """Deliver these outbox rows; schedule a retry for the ones that met a transient error or an
    outage (``outages``: how many times in a row this batch found the server away)."""
    report = delivery.deliver(ids, outages=outages)
    if report.retry and not self.request.is_eager:
        # Without a worker (eager mode) there is nobody to wait for: the sweeper retries later.
        deliver_notifications.apply_async(
            (report.retry,), {"outages": outages + 1 if report.outage else 0}, countdown=max(report.retry_in, 1)
        )
    return {"sent": report.sent, "failed": report.failed, "retry": len(report.retry), "skipped": report.skipped}


@shared_task(name="notifications.sweep", ignore_result=True)
def outbox_sweep() -> dict:
    """Periodic (beat): give back stale claims and re-enqueue queued rows no worker took."""
    result = delivery.sweep()
    ids = result["ids"]
    for i in range(0, len(ids), settings.NOTIFY_BATCH_SIZE):
        deliver_notifications.delay(ids[i : i + settings.NOTIFY_BATCH_SIZE])
    return {"released": result["released"], "enqueued": len(ids)}
