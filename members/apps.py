from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default = True
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        # What this app registers with the outbox and the page cache needs its models, which
        # Django loads only once every app config exists: hence imports here, in ready().
        from . import notices  # noqa: PLC0415 -- uses models (loaded after the app registry)
        from .cache import invalidate_on_save  # noqa: PLC0415 -- connects model signals
        from .models import Institution  # noqa: PLC0415 -- models load after the app registry

        notices.register_all()
        invalidate_on_save(Institution, "members")


class CoalitionAdminConfig(admin_apps.AdminConfig):
    """Django admin, open to the secretariat only (members/admin_site.py)."""

    default = False
    default_site = "members.admin_site.CoalitionAdminSite"
