from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisseminationConfig(AppConfig):
    """The coalition's third aim: news, announcements and statements, the page that says what the
    coalition is, the public newsletter, and what makes pages findable (sitemap, link previews)."""

    name = "meetings.dissemination"
    label = "dissemination"
    verbose_name = _("Dissemination")

    def ready(self):
        # The notification kinds and the page cache's signals need this app's models.
        from . import cache, notices, registrations  # noqa: PLC0415 -- they use models

        cache.connect()
        notices.register_all()
        registrations.register()
