"""Celery tasks of the meetings app."""

from celery import shared_task

from . import services


@shared_task(name="meetings.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Periodic (beat, every 10 minutes): queue the reminders that are due and not yet sent."""
    return services.reminders_due()
