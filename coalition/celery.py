"""The Celery app. Settings come from Django's under the ``CELERY_`` namespace.

Run a worker and beat with ``celery -A coalition worker`` and ``celery -A coalition beat`` when
``REDIS_URL`` is set; without it tasks run eagerly in the web process (see settings).
"""

import gc
import os

from celery import Celery, signals
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")

app = Celery("coalition")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def share_memory_with_the_pool(**kwargs):
    """Move what the worker has loaded (Django, the apps) out of the garbage collector's sight
    before the pool processes are forked: a collection in a child no longer writes to those
    objects, so their pages stay shared instead of being copied into every child."""
    gc.freeze()


@app.on_after_configure.connect
def schedule(sender, **kwargs):
    """Periodic work, one commented line each; times are Asia/Tokyo (CELERY_TIMEZONE)."""
    sender.conf.beat_schedule = {
        # Re-queue outbox rows a lost broker message or a killed worker left behind.
        "outbox-sweep": {"task": "notifications.sweep", "schedule": settings.NOTIFY_SWEEP_INTERVAL},
        # Finish the digest builds a killed worker or an emptied Redis left unfinished.
        "digest-sweep": {"task": "meetings.digest_sweep", "schedule": settings.NOTIFY_SWEEP_INTERVAL},
        # Queue the meeting reminders that are due and not yet sent (7 days and 1 day before).
        "meeting-reminders": {"task": "meetings.send_reminders", "schedule": settings.MEETING_REMINDER_INTERVAL},
        # Queue the yearly-report reminders that are due and not yet sent (30, 7 and 0 days before).
        "report-reminders": {"task": "progress.send_report_reminders", "schedule": settings.PROGRESS_REMINDER_INTERVAL},
        # The weekly digest, Monday 08:00 Japan time.
        "weekly-digest": {"task": "meetings.weekly_digest", "schedule": crontab(minute=0, hour=8, day_of_week="mon")},
        # Delete newsletter subscriptions never confirmed (NEWSLETTER_UNCONFIRMED_DAYS), 03:30 daily.
        "newsletter-purge": {"task": "dissemination.purge_unconfirmed", "schedule": crontab(minute=30, hour=3)},
        # Erase visitors' names and addresses VISITOR_DATA_DAYS after their public meeting, 03:45 daily.
        "visitor-erase": {"task": "meetings.erase_visitors", "schedule": crontab(minute=45, hour=3)},
    }
