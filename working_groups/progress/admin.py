from django.contrib import admin

from members.admin import ReadOnlyAdmin
from members.admin_site import SecretariatAdmin

from .models import Adoption, Commitment, Question, ReportingYear, ReportReminder, YearlyReport


@admin.register(Commitment)
class CommitmentAdmin(SecretariatAdmin):
    list_display = ["institution", "target_year", "baseline_year", "interim_year", "visibility"]
    list_filter = ["visibility", "target_year"]
    search_fields = ["institution__name_ja", "institution__name_en"]
    raw_id_fields = ["institution"]


@admin.register(YearlyReport)
class YearlyReportAdmin(SecretariatAdmin):
    list_display = ["institution", "fiscal_year", "status", "scope1", "scope2", "submitted_at", "reviewed_at"]
    list_filter = ["status", "fiscal_year"]
    search_fields = ["institution__name_ja", "institution__name_en"]
    raw_id_fields = ["institution", "submitted_by", "reviewed_by"]


@admin.register(Adoption)
class AdoptionAdmin(SecretariatAdmin):
    list_display = ["initiative", "institution", "kind", "year", "created_at"]
    list_filter = ["kind", "year"]
    search_fields = ["initiative__title", "institution__name_ja", "institution__name_en"]
    raw_id_fields = ["initiative", "institution", "result", "recorded_by"]


@admin.register(Question)
class QuestionAdmin(SecretariatAdmin):
    list_display = ["initiative", "institution", "created_at", "answered_at", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["initiative__title", "institution__name_ja", "institution__name_en"]
    raw_id_fields = ["initiative", "institution", "asked_by", "answered_by"]


@admin.register(ReportingYear)
class ReportingYearAdmin(SecretariatAdmin):
    list_display = ["fiscal_year", "due_on", "set_by", "updated_at"]
    search_fields = ["fiscal_year"]
    raw_id_fields = ["set_by"]


@admin.register(ReportReminder)
class ReportReminderAdmin(ReadOnlyAdmin):
    """Which reminders went out: a record of the task, not something to edit."""

    list_display = ["reporting_year", "institution", "days", "sent_at"]
    list_filter = ["days", "reporting_year"]
    search_fields = ["institution__name_ja", "institution__name_en"]
