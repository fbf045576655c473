"""Print the current two-factor code of the demo secretariat account (development only)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import members.demo


class Command(BaseCommand):
    help = "Print the demo secretariat's current TOTP code (not available in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_totp is for the demo only.")
        code = format_hotp_value(hotp_value(members.demo.DEMO_TOTP_SECRET, int(time.time()) // 30))
        self.stdout.write(code)
