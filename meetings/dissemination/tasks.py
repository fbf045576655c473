"""Celery adapters of the dissemination app."""

from celery import shared_task

from . import services


@shared_task(name="dissemination.purge_unconfirmed", ignore_result=True)
def purge_unconfirmed() -> int:
    """Periodic (beat): delete newsletter subscriptions never confirmed."""
    return services.subscribers_purge_unconfirmed()
