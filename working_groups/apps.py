from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkingGroupsConfig(AppConfig):
    name = "working_groups"
    verbose_name = _("Working groups")

    def ready(self):
        # What this app registers with the lower layers (notification kinds, page sections, hooks)
        # and the page cache's signals need its models, which load after the app registry.
        from . import cache, notices, registrations  # noqa: PLC0415 -- they use models

        cache.connect()
        notices.register_all()
        registrations.register()
