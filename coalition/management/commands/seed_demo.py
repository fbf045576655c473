"""Fill the database with realistic demo data, layer by layer. Running it twice changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import meetings.demo
import meetings.dissemination.demo
import meetings.governance.demo
import members.demo
import members.sso.demo
import working_groups.cooperation.demo
import working_groups.demo
import working_groups.progress.demo


class Command(BaseCommand):
    help = "Seed realistic demo data (idempotent). Refuses to run in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with a known password; it does not run in production.")
        m = members.demo.seed()
        members.sso.demo.seed()
        g = working_groups.demo.seed()
        working_groups.demo.seed_people()
        n_initiatives = working_groups.demo.seed_initiatives()
        progress = working_groups.progress.demo.seed()
        n_meetings = meetings.demo.seed()
        cooperation = working_groups.cooperation.demo.seed()
        n_motions = meetings.governance.demo.seed()
        n_news = meetings.dissemination.demo.seed()
        n_messages = meetings.governance.demo.seed_messages()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(m['institutions'])} institutions, {len(g)} groups, "
                f"{n_initiatives} initiatives, {progress['adoptions']} adoptions, {n_meetings} meetings, "
                f"{cooperation['partners']} partners, {cooperation['needs']} needs, "
                f"{cooperation['expertise']} expertise entries, {n_motions} motions, "
                f"{n_news} news items, {n_messages} messages."
            )
        )
        self.stdout.write(f"Demo sign-ins (password: {members.demo.demo_password()}):")
        for email, what in members.demo.DEMO_SIGN_INS:
            self.stdout.write(f"  {email:32} {what}")
        self.stdout.write(f"University sign-in finds a demo identity provider for any @{members.sso.demo.DOMAIN} "
                          "address (it is invented: its sign-in page does not exist).")
