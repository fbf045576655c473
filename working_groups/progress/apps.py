from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    """Horizontal deployment and progress: adoptions of initiatives, questions to their authors,
    institutions' carbon-neutrality commitments and yearly figures (docs/progress.md). An app of its
    own inside the working-groups layer: it builds on initiatives and groups, and nothing below
    imports it."""

    name = "working_groups.progress"
    label = "progress"
    verbose_name = _("Progress")

    def ready(self):
        # Notification kinds and page sections register with the lower layers; they need models,
        # which load after the app registry.
        from . import cache, notices, registrations, services  # noqa: PLC0415 -- they use models

        cache.connect()
        services.connect()
        notices.register_all()
        registrations.register()
