"""The Django admin, for the secretariat only (with two-factor sign-in), signing in through allauth."""

from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
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


class ServiceWritesAdmin(SecretariatAdmin):
    """A model whose changes have side effects (an audit entry, notices, a revision) that its
    services carry out: the admin shows it and leaves every change to the portal's pages, which
    call those services (``instead`` names the page). Deleting is refused too, with that reason: a
    record that others depend on is ended by its service (withdrawn, closed, cancelled), never
    deleted. (The delete permission itself stays, so that Django's "cannot delete" page of a
    parent lists these rows by name among the protected objects.)"""

    instead = ""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": self.instead or None})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_delete": False})

    def delete_view(self, request, object_id, extra_context=None):
        """A clear refusal rather than Django's confirmation page: what to do instead."""
        if not self.has_view_permission(request):
            return super().delete_view(request, object_id, extra_context)
        self.message_user(request, _("This record is not deleted in the admin. %(instead)s")
                          % {"instead": self.instead}, messages.ERROR)
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id],
                                current_app=self.admin_site.name))

    def delete_queryset(self, request, queryset):
        raise PermissionDenied
