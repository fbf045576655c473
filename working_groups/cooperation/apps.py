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
        # The notification kinds this app sends need its models, which load after the app registry.
        from . import notices  # noqa: PLC0415 -- they use models

        notices.register_all()
