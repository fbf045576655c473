"""The Django admin, for the secretariat only (with two-factor sign-in), signing in through allauth."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _

from .access import secretariat_gate
from .rules import is_secretariat


class CoalitionAdminSite(admin.AdminSite):
    site_header = _("Coalition portal administration")
    site_title = _("Coalition portal")

    def has_permission(self, request):
        return is_secretariat(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def gated(request, *args, **kwargs):
            return secretariat_gate(request) or inner(request, *args, **kwargs)

        return update_wrapper(gated, inner)

    def login(self, request, extra_context=None):
        return redirect_to_login(request.GET.get("next") or request.get_full_path())


class SecretariatAdmin(admin.ModelAdmin):
    """Base for every model admin: the secretariat may do everything, nobody else anything."""

    def _allowed(self, request, obj=None):
        return is_secretariat(request.user)

    has_module_permission = _allowed
    has_view_permission = _allowed
    has_add_permission = _allowed
    has_change_permission = _allowed
    has_delete_permission = _allowed
