from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default = True
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from . import notices  # noqa: F401 - registers the app's notification kinds
        from .cache import invalidate_on_save
        from .models import Institution

        invalidate_on_save(Institution, "members")


class CoalitionAdminConfig(admin_apps.AdminConfig):
    """Django admin, open to the secretariat only (members/admin_site.py)."""

    default = False
    default_site = "members.admin_site.CoalitionAdminSite"
