"""Progress records in the admin, shown only: each is written by a service on the portal's pages
(commitment and yearly figures on the institution's progress page, the review and the reporting year
on the secretariat's progress page, adoptions and questions on the initiative's page), which records
each step and writes the e-mails; reminders are the task's own record."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.admin import ReadOnlyAdmin
from members.admin_site import ServiceWritesAdmin

from .models import Adoption, Commitment, Question, ReportingYear, ReportReminder, YearlyReport


@admin.register(Commitment)
class CommitmentAdmin(ServiceWritesAdmin):
    instead = _("An institution's commitment is set by its contact on its progress page "
                "(/members/<slug>/progress/commitment/), which records the change.")
    list_display = ["institution", "target_year", "baseline_year", "interim_year", "visibility"]
    list_filter = ["visibility", "target_year"]
    search_fields = ["institution__name_ja", "institution__name_en"]
    raw_id_fields = ["institution"]


@admin.register(YearlyReport)
class YearlyReportAdmin(ServiceWritesAdmin):
    instead = _("Yearly figures are entered or uploaded by the institution's contact on its progress page and "
                "published or returned on the secretariat's progress page (/secretariat/progress/); each step is "
                "recorded.")
    list_display = ["institution", "fiscal_year", "status", "scope1", "scope2", "submitted_at", "reviewed_at"]
    list_filter = ["status", "fiscal_year"]
    search_fields = ["institution__name_ja", "institution__name_en"]
    raw_id_fields = ["institution", "submitted_by", "reviewed_by"]


@admin.register(Adoption)
class AdoptionAdmin(ServiceWritesAdmin):
    instead = _("Adoptions are recorded on the initiative's page, which records who recorded them.")
    list_display = ["initiative", "institution", "kind", "year", "created_at"]
    list_filter = ["kind", "year"]
    search_fields = ["initiative__title", "institution__name_ja", "institution__name_en"]
    raw_id_fields = ["initiative", "institution", "result", "recorded_by"]


@admin.register(Question)
class QuestionAdmin(ServiceWritesAdmin):
    instead = _("Questions are asked and answered on the initiative's page, which tells the people concerned.")
    list_display = ["initiative", "institution", "created_at", "answered_at", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["initiative__title", "institution__name_ja", "institution__name_en"]
    raw_id_fields = ["initiative", "institution", "asked_by", "answered_by"]


@admin.register(ReportingYear)
class ReportingYearAdmin(ServiceWritesAdmin):
    instead = _("The reporting year and its due date are set on the secretariat's progress page "
                "(/secretariat/progress/), which records the change.")
    list_display = ["fiscal_year", "due_on", "set_by", "updated_at"]
    search_fields = ["fiscal_year"]
    raw_id_fields = ["set_by"]


@admin.register(ReportReminder)
class ReportReminderAdmin(ReadOnlyAdmin):
    """Which reminders went out: a record of the task, not something to edit."""

    list_display = ["reporting_year", "institution", "days", "sent_at"]
    list_filter = ["days", "reporting_year"]
    search_fields = ["institution__name_ja", "institution__name_en"]
