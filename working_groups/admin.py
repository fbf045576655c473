from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.admin_site import ServiceWritesAdmin

from .models import (
    Initiative,
    InitiativeDocument,
    InitiativeRevision,
    Membership,
    Participation,
    WorkingGroup,
)


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ServiceWritesAdmin):
    instead = _("Groups are created and edited at /working-groups/new/ and on their edit page, and closed on a "
                "general meeting's resolution on their close page; each step is recorded. A group is closed, "
                "never deleted.")
    list_display = ["slug", "name_ja", "name_en", "tier", "status", "is_open", "order"]
    list_filter = ["tier", "status", "is_open"]
    search_fields = ["slug", "name_ja", "name_en"]
    filter_horizontal = ["coordinators"]


@admin.register(Participation)
class ParticipationAdmin(ServiceWritesAdmin):
    instead = _("Institutions ask to take part on their groups page (/members/<slug>/groups/); coordinators and "
                "the secretariat decide on the group's page, which records the decision and tells the contacts.")
    list_display = ["institution", "group", "status", "created_at", "decided_at"]
    list_filter = ["status", "group"]
    search_fields = ["institution__name_ja", "institution__name_en"]
    raw_id_fields = ["institution", "requested_by", "decided_by"]


@admin.register(Membership)
class MembershipAdmin(ServiceWritesAdmin):
    instead = _("People join, are approved, named coordinator or removed on the group's page, which records "
                "each decision and tells the person.")
    list_display = ["user", "institution", "group", "status", "created_at"]
    list_filter = ["status", "group"]
    search_fields = ["user__email", "user__name", "institution__name_ja"]
    raw_id_fields = ["user", "institution", "decided_by"]


INITIATIVE_PAGES = _("Initiatives and their documents are edited, published and unpublished on their pages, which "
                     "keep each revision and record each step.")


class DocumentInline(admin.TabularInline):
    model = InitiativeDocument
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    has_change_permission = has_delete_permission = has_add_permission
    readonly_fields = ["content_type", "size", "uploaded_by", "created_at"]


@admin.register(Initiative)
class InitiativeAdmin(ServiceWritesAdmin):
    instead = INITIATIVE_PAGES
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
class InitiativeDocumentAdmin(ServiceWritesAdmin):
    instead = INITIATIVE_PAGES
    list_display = ["title", "initiative", "content_type", "size", "created_at", "version_of"]
    search_fields = ["title", "initiative__title"]
    raw_id_fields = ["initiative", "uploaded_by"]


@admin.register(InitiativeRevision)
class InitiativeRevisionAdmin(ServiceWritesAdmin):
    instead = INITIATIVE_PAGES
    list_display = ["initiative", "action", "editor_label", "created_at"]
    list_filter = ["action"]
    search_fields = ["initiative__title", "editor_label"]
    raw_id_fields = ["initiative", "editor"]
