"""The secretariat's admin of partners (their member link, their initiatives) and a read view of
needs, expertise and offers of help; the workflow itself runs through the services and pages."""

from django.contrib import admin

from members.admin_site import SecretariatAdmin

from .models import Expertise, Interest, Need, Partner


@admin.register(Partner)
class PartnerAdmin(SecretariatAdmin):
    list_display = ["slug", "name_ja", "name_en", "kind", "prefecture", "municipality_code", "institution"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["slug", "name_ja", "name_en"]
    raw_id_fields = ["institution", "initiatives"]


@admin.register(Need)
class NeedAdmin(SecretariatAdmin):
    list_display = ["title", "organisation", "status", "help_kind", "prefecture", "published_at"]
    list_filter = ["status", "help_kind"]
    search_fields = ["title", "title_translated", "organisation", "contact_email"]
    raw_id_fields = ["partner", "initiative", "reviewed_by"]
    readonly_fields = ["status", "confirmed_at", "published_at", "reviewed_by"]


@admin.register(Expertise)
class ExpertiseAdmin(SecretariatAdmin):
    list_display = ["title", "institution", "visibility", "nationwide", "created_at"]
    list_filter = ["visibility", "nationwide"]
    search_fields = ["title", "title_translated", "keywords", "institution__name_ja"]
    raw_id_fields = ["institution", "author", "contact"]


@admin.register(Interest)
class InterestAdmin(SecretariatAdmin):
    list_display = ["need", "institution", "user", "created_at", "introduced_at"]
    search_fields = ["need__title", "institution__name_ja", "user__email"]
    raw_id_fields = ["need", "institution", "user", "introduced_by"]
