from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """The general meeting decides: motions on a session's agenda, one vote per institution,
    resolutions. An app of its own inside the meetings layer (a session is a general meeting)."""

    name = "meetings.governance"
    label = "governance"
    verbose_name = _("General meeting decisions")

    def ready(self):
        # The notification kinds and audit labels this app registers with the lower layers need
        # its models, which load after the app registry.
        from . import notices, registrations  # noqa: PLC0415 -- they use models

        notices.register_all()
        registrations.register()
