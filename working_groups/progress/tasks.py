"""Celery adapters of the progress app: one service call each."""

from celery import shared_task

from . import services


@shared_task(name="progress.send_report_reminders", ignore_result=True)
def send_report_reminders() -> int:
    """Periodic (beat, hourly): queue the yearly-report reminders that are due and not yet sent."""
    return services.report_reminders_due()
