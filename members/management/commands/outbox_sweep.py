"""Run the outbox sweeper once: what Celery beat does every minute.

Useful on the embedded default (no beat): a message that met a transient SMTP error waits in the
queue until the next sweep; cron can run this command instead of beat.
"""

from django.core.management.base import BaseCommand

from members.notifications.tasks import outbox_sweep


class Command(BaseCommand):
    help = "Re-queue outbox rows left behind and deliver the ones that are due."

    def handle(self, *args, **options):
        result = outbox_sweep.apply().get()
        self.stdout.write(f"released {result['released']} stale claims, enqueued {result['enqueued']} rows")
