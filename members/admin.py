from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_site import SecretariatAdmin, ServiceWritesAdmin
from .audit.models import AuditEntry
from .models import AccessToken, Affiliation, EmailDomain, Institution, MembershipApplication, User
from .notifications.models import EmailOptOut, Notification, NotificationPreference
from .services.institutions import PROFILE_FIELDS, institution_update
from .services.people import user_anonymise


@admin.register(User)
class UserAdmin(SecretariatAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "language", "is_active", "date_joined"]
    list_filter = ["is_active", "language", "groups"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    # Deleting a person with a history is refused (PROTECT: Django's "cannot delete" page lists
    # what holds them); anonymising is how a person leaves and their records stay.
    actions = ["anonymise"]

    @admin.action(description=_("Anonymise the selected people"))
    def anonymise(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(request, "admin/members/user/anonymise_confirmation.html", {
                **self.admin_site.each_context(request),
                "title": _("Anonymise people"),
                "opts": self.opts,
                "people": list(queryset),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            })
        done = 0
        for user in queryset:
            try:
                user_anonymise(user=user, by=request.user)
            except ValidationError as exc:
                self.message_user(request, _("%(person)s was not anonymised: %(reason)s")
                                  % {"person": user.email, "reason": " ".join(exc.messages)}, messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, ngettext("%(count)d person was anonymised.", "%(count)d people were anonymised.",
                                                done) % {"count": done}, messages.SUCCESS)
        return None


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SecretariatAdmin, BaseGroupAdmin):
    pass


class EmailDomainInline(admin.TabularInline):
    """Shown only: the domains are edited with the profile (institution_update audits them)."""

    model = EmailDomain
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    has_change_permission = has_delete_permission = has_add_permission


# The profile's texts, edited here through the same service as the profile page (institution_update:
# an audit entry naming the fields); the logo (re-encoded on upload) and the target year (which
# other records follow) only on that page.
INSTITUTION_ADMIN_FIELDS = [f for f in PROFILE_FIELDS if f not in ("logo", "target_year")]


@admin.register(Institution)
class InstitutionAdmin(SecretariatAdmin):
    """New members come through an application or the import; the status changes on the
    secretariat's status page (a reason, an audit entry); an institution with a history is
    withdrawn, not deleted (PROTECT lists what holds it)."""

    list_display = ["name_ja", "name_en", "kind", "category", "prefecture", "status", "joined_on"]
    list_filter = ["status", "category", "kind", "prefecture"]
    search_fields = ["name_ja", "name_en", "name_kana", "slug"]
    inlines = [EmailDomainInline]
    exclude = ["search_text"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.opts.concrete_fields
                if f.editable and f.name not in INSTITUTION_ADMIN_FIELDS and f.name != "id"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in INSTITUTION_ADMIN_FIELDS}
        institution_update(institution=obj, by=request.user, data=data)


@admin.register(Affiliation)
class AffiliationAdmin(ServiceWritesAdmin):
    instead = _("Affiliations are approved, refused, given a role or ended on the institution's people page "
                "(/members/<slug>/people/), which records each decision and tells the person.")
    list_display = ["user", "institution", "role", "status", "created_at", "decided_at"]
    list_filter = ["status", "role"]
    search_fields = ["user__email", "user__name", "institution__name_ja", "institution__name_en"]
    raw_id_fields = ["user", "institution", "decided_by"]


@admin.register(MembershipApplication)
class MembershipApplicationAdmin(SecretariatAdmin):
    list_display = ["reference", "name_ja", "category", "applicant_email", "status", "created_at", "decided_at"]
    list_filter = ["status", "category", "kind"]
    search_fields = ["name_ja", "name_en", "applicant_email", "applicant_name"]
    raw_id_fields = ["decided_by", "institution"]
    readonly_fields = ["name_key", "created_at", "updated_at"]


@admin.register(EmailDomain)
class EmailDomainAdmin(ServiceWritesAdmin):
    instead = _("An institution's e-mail domains are edited on its profile page (/members/<slug>/edit/), "
                "which records the change.")
    list_display = ["domain", "institution"]
    search_fields = ["domain", "institution__name_ja", "institution__name_en"]
    raw_id_fields = ["institution"]


class ReadOnlyAdmin(SecretariatAdmin):
    """Records of what happened: readable, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The outbox and the audit log are apps of their own below this one; their admin is the
# secretariat's like every other, so it is registered here with the site's rules.
@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "object_label", "reason"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_label", "reason", "action"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "email", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["email", "dedup_key", "last_error"]
    date_hierarchy = "created_at"
    exclude = ["context"]  # account mail carries sign-in links until it is sent


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(SecretariatAdmin):
    list_display = ["user", "kind", "delivery", "updated_at"]
    list_filter = ["kind", "delivery"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(EmailOptOut)
class EmailOptOutAdmin(SecretariatAdmin):
    list_display = ["email", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["email"]


def open_to_secretariat(model):
    """allauth's own admins, opened to the secretariat like ours (it holds no Django permissions)."""
    if not admin.site.is_registered(model):
        return
    base = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(f"Secretariat{base.__name__}", (SecretariatAdmin, base), {}))


for _model in (EmailAddress, Authenticator):
    open_to_secretariat(_model)


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    """Personal API tokens: who holds which, until when, last used (the secret is never stored).
    People revoke their own on /account/; the secretariat may delete one here."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__email", "user__name"]
    raw_id_fields = ["user"]
