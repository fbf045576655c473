from django.contrib import admin

from members.admin_site import SecretariatAdmin

from .models import (
    Initiative,
    InitiativeDocument,
    InitiativeRevision,
    Membership,
    Participation,
    WorkingGroup,
)


@admin.register(WorkingGroup)
class WorkingGroupAdmin(SecretariatAdmin):
    list_display = ["slug", "name_ja", "name_en", "tier", "status", "is_open", "order"]
    list_filter = ["tier", "status", "is_open"]
    search_fields = ["slug", "name_ja", "name_en"]
    filter_horizontal = ["coordinators"]


@admin.register(Participation)
class ParticipationAdmin(SecretariatAdmin):
    list_display = ["institution", "group", "status", "created_at", "decided_at"]
    list_filter = ["status", "group"]
    search_fields = ["institution__name_ja", "institution__name_en"]
    raw_id_fields = ["institution", "requested_by", "decided_by"]


@admin.register(Membership)
class MembershipAdmin(SecretariatAdmin):
    list_display = ["user", "institution", "group", "status", "created_at"]
    list_filter = ["status", "group"]
    search_fields = ["user__email", "user__name", "institution__name_ja"]
    raw_id_fields = ["user", "institution", "decided_by"]


class DocumentInline(admin.TabularInline):
    model = InitiativeDocument
    extra = 0
    readonly_fields = ["content_type", "size", "uploaded_by", "created_at"]


@admin.register(Initiative)
class InitiativeAdmin(SecretariatAdmin):
    list_display = ["title", "institution", "status", "visibility", "published_at", "year"]
    list_filter = ["status", "visibility", "language", "themes", "year"]
    search_fields = ["title", "title_translated", "institution__name_ja", "institution__name_en", "slug"]
    raw_id_fields = ["institution", "author"]
    filter_horizontal = ["themes", "partner_institutions"]
    readonly_fields = ["slug", "year", "created_at", "updated_at"]
    exclude = ["body_html", "search_text"]
    inlines = [DocumentInline]
    date_hierarchy = "published_at"


@admin.register(InitiativeDocument)
class InitiativeDocumentAdmin(SecretariatAdmin):
    list_display = ["title", "initiative", "content_type", "size", "created_at"]
    search_fields = ["title", "initiative__title"]
    raw_id_fields = ["initiative", "uploaded_by"]


@admin.register(InitiativeRevision)
class InitiativeRevisionAdmin(SecretariatAdmin):
    list_display = ["initiative", "action", "editor_label", "created_at"]
    list_filter = ["action"]
    search_fields = ["initiative__title", "editor_label"]
    raw_id_fields = ["initiative", "editor"]
