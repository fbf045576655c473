from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.admin import ReadOnlyAdmin
from members.admin_site import SecretariatAdmin, ServiceWritesAdmin

from .models import (
    AgendaItem,
    CalendarFeed,
    DigestChunk,
    DigestRun,
    Meeting,
    MeetingDocument,
    MeetingEvent,
    MinutesRevision,
    Registration,
    VisitorRegistration,
)


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    has_change_permission = has_delete_permission = has_add_permission


MEETING_PAGES = _("Meetings, their agenda and documents are scheduled, changed and cancelled on the meeting's "
                  "pages, which tell the registered people and visitors of each change and record it; a meeting "
                  "is cancelled, never deleted.")


@admin.register(Meeting)
class MeetingAdmin(ServiceWritesAdmin):
    instead = MEETING_PAGES
    list_display = ["title_ja", "kind", "group", "starts_at", "format", "visibility", "status"]
    list_filter = ["kind", "format", "visibility", "status", "group"]
    search_fields = ["title_ja", "title_en", "venue", "venue_en"]
    date_hierarchy = "starts_at"
    inlines = [AgendaInline]
    readonly_fields = ["uid", "sequence", "minutes_published_at", "reminded_week_for", "reminded_day_for"]
    exclude = ["minutes_html", "minutes_html_en"]
    raw_id_fields = ["created_by"]


@admin.register(Registration)
class RegistrationAdmin(ServiceWritesAdmin):
    instead = _("People register and cancel on the meeting's page, which keeps the places and the waiting list "
                "and tells those who move up.")
    list_display = ["meeting", "user", "mode", "status", "queued_at", "attended"]
    list_filter = ["status", "mode"]
    search_fields = ["user__email", "user__name", "meeting__title_ja"]
    raw_id_fields = ["meeting", "user"]


# Visitors register, confirm and cancel through their signed links only (meetings.services), so that the
# shared capacity and waiting list hold: read-only here.
@admin.register(VisitorRegistration)
class VisitorRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "name", "email", "affiliation", "mode", "status", "queued_at"]
    list_filter = ["status", "mode"]
    search_fields = ["name", "email", "affiliation", "meeting__title_ja"]
    raw_id_fields = ["meeting"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ServiceWritesAdmin):
    instead = MEETING_PAGES
    list_display = ["meeting", "time", "item_ja", "speaker"]
    search_fields = ["item_ja", "item_en", "speaker", "speaker_en", "meeting__title_ja"]
    raw_id_fields = ["meeting"]


@admin.register(MeetingDocument)
class MeetingDocumentAdmin(ServiceWritesAdmin):
    instead = MEETING_PAGES
    list_display = ["title", "meeting", "content_type", "size", "created_at", "version_of"]
    search_fields = ["title", "meeting__title_ja"]
    raw_id_fields = ["meeting", "uploaded_by"]


@admin.register(MinutesRevision)
class MinutesRevisionAdmin(ServiceWritesAdmin):
    instead = _("Minutes are written on the meeting's minutes page, which keeps each revision.")
    list_display = ["meeting", "state", "editor_label", "created_at"]
    list_filter = ["state"]
    search_fields = ["meeting__title_ja", "editor_label"]
    raw_id_fields = ["meeting", "editor"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SecretariatAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    exclude = ["token"]  # a secret of its owner


# The weekly digest's build state (meetings/digest.py): read-only, for seeing how far a run got; the
# digest sweeper, not a person, finishes what a run left.
@admin.register(DigestRun)
class DigestRunAdmin(ReadOnlyAdmin):
    list_display = ["kind", "period", "status", "chunks_total", "created_at", "completed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["kind", "period"]


@admin.register(DigestChunk)
class DigestChunkAdmin(ReadOnlyAdmin):
    list_display = ["run", "first_user_id", "last_user_id", "status", "written", "done_at"]
    list_filter = ["status"]
    search_fields = ["run__period"]
    raw_id_fields = ["run"]


# The calendar feeds' stored events (meetings/calendar.py): read-only; a feed renders again one
# that is missing or out of date, so deleting rows here is harmless.
@admin.register(MeetingEvent)
class MeetingEventAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "language", "online", "source"]
    list_filter = ["language", "online"]
    search_fields = ["meeting__title_ja", "meeting__title_en"]
