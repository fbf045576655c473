from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # What this app registers with the lower layers (notification kinds, page sections, hooks)
        # and the page cache's signals need its models, which load after the app registry.
        from . import cache, notices, registrations  # noqa: PLC0415 -- they use models

        cache.connect()
        notices.register_all()
        registrations.register()
