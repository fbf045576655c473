from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .admin_site import SecretariatAdmin
from .models import Affiliation, EmailDomain, Institution, User


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


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SecretariatAdmin, BaseGroupAdmin):
    pass


class EmailDomainInline(admin.TabularInline):
    model = EmailDomain
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(SecretariatAdmin):
    list_display = ["name_ja", "name_en", "kind", "category", "prefecture", "status", "joined_on"]
    list_filter = ["status", "category", "kind", "prefecture"]
    search_fields = ["name_ja", "name_en", "name_kana", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [EmailDomainInline]


@admin.register(Affiliation)
class AffiliationAdmin(SecretariatAdmin):
    list_display = ["user", "institution", "role", "status", "created_at", "decided_at"]
    list_filter = ["status", "role"]
    search_fields = ["user__email", "user__name", "institution__name_ja", "institution__name_en"]
    raw_id_fields = ["user", "institution", "decided_by"]
