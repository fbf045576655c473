from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from . import cache

        cache.connect()
        from . import notices, registrations

        notices.register_all()
        registrations.register()
