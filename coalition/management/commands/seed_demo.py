"""Fill the database with realistic demo data, layer by layer. Running it twice changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import meetings.demo
import meetings.dissemination.demo
import members.demo
import working_groups.demo


class Command(BaseCommand):
    help = "Seed realistic demo data (idempotent). Refuses to run in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with a known password; it does not run in production.")
        m = members.demo.seed()
        g = working_groups.demo.seed()
        working_groups.demo.seed_people()
        n_initiatives = working_groups.demo.seed_initiatives()
        n_meetings = meetings.demo.seed()
        n_news = meetings.dissemination.demo.seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(m['institutions'])} institutions, {len(g)} groups, "
                f"{n_initiatives} initiatives, {n_meetings} meetings, {n_news} news items."
            )
        )
        self.stdout.write(f"Demo sign-ins (password: {members.demo.demo_password()}):")
        for email, what in members.demo.DEMO_SIGN_INS:
            self.stdout.write(f"  {email:32} {what}")
