"""Erase the visitors' personal data that is due: what Celery beat does daily.

On the embedded default there is no beat (tasks run eagerly in the web process): run this command
daily from cron so that the retention period the registration form states holds there too.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from meetings.tasks import erase_visitors


class Command(BaseCommand):
    help = "Erase the names and addresses of visitors of meetings that ended more than VISITOR_DATA_DAYS days ago."

    def handle(self, *args, **options):
        meetings = erase_visitors.apply().get()
        days = settings.VISITOR_DATA_DAYS
        self.stdout.write(f"erased the visitors of {meetings} meetings (ended over {days} days ago)")
