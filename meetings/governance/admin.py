"""The general meeting's records in the admin: read-only. Every change goes through the services
(the motion's page for the secretariat), which audit it and send the notices; the admin would
bypass both, and a vote or a resolution edited by hand would make the record untrustworthy."""

from django.contrib import admin

from members.admin import ReadOnlyAdmin

from .models import Message, Motion, MotionDocument, ProposedCoordinator, Proxy, Resolution, Vote


class RecordAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Motion)
class MotionAdmin(RecordAdmin):
    list_display = ["session", "number", "title_ja", "kind", "status", "votes_for", "votes_against", "votes_abstain"]
    list_filter = ["status", "kind"]
    search_fields = ["title_ja", "title_en", "session__title_ja"]


@admin.register(Vote)
class VoteAdmin(RecordAdmin):
    list_display = ["motion", "institution", "choice", "cast_by_label", "by_proxy", "version", "cast_at"]
    list_filter = ["choice", "by_proxy"]
    search_fields = ["institution__name_ja", "institution__name_en", "motion__title_ja", "cast_by_label"]


@admin.register(Proxy)
class ProxyAdmin(RecordAdmin):
    list_display = ["session", "institution", "holder", "created_at"]
    search_fields = ["institution__name_ja", "holder__email", "session__title_ja"]


@admin.register(Resolution)
class ResolutionAdmin(RecordAdmin):
    list_display = ["year", "sequence", "motion", "adopted_at"]
    search_fields = ["motion__title_ja", "text_ja", "text_en"]


@admin.register(MotionDocument)
class MotionDocumentAdmin(RecordAdmin):
    list_display = ["title", "motion", "content_type", "size", "created_at"]
    search_fields = ["title", "motion__title_ja"]


@admin.register(Message)
class MessageAdmin(RecordAdmin):
    list_display = ["subject_ja", "audience", "group", "status", "recipients", "sent_at"]
    list_filter = ["audience", "status"]
    search_fields = ["subject_ja", "subject_en", "body_ja"]


@admin.register(ProposedCoordinator)
class ProposedCoordinatorAdmin(RecordAdmin):
    list_display = ["motion", "institution", "status", "answered_at"]
    list_filter = ["status"]
    search_fields = ["institution__name_ja", "institution__name_en", "motion__title_ja"]
