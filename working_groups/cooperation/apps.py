from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    """Cooperation with local governments and companies: partner organisations, their needs, the
    expertise members offer, and the matching between them. Layer 2 (beside working groups): it
    reads members and groups, and nothing below it knows it."""

    name = "working_groups.cooperation"
    label = "cooperation"
    verbose_name = _("Cooperation")

    def ready(self):
        # The notification kinds, profile section and cache signals need its models, which load after the app registry.
        from . import cache, notices, registrations  # noqa: PLC0415 -- they use models

        cache.connect()
        notices.register_all()
        registrations.register()
