from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkingGroupsConfig(AppConfig):
    name = "working_groups"
    verbose_name = _("Working groups")

    def ready(self):
        from . import cache

        cache.connect()
        from . import notices, registrations

        notices.register_all()
        registrations.register()
