"""The notification kinds of the progress app (registered in its AppConfig.ready)."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.notifications.registry import CONTACT, STAFF, Kind, Obsolete, register, target_of
from members.notifications.rendering import absolute

from .models import YearlyReport


def _question(notification):
    question = target_of(notification)
    initiative = question.initiative
    return {
        "question": question,
        "initiative": initiative,
        "question_url": absolute(question.get_absolute_url()),
    }


def _report(notification):
    report = target_of(notification)
    return {
        "report": report,
        "institution": report.institution,
        "edit_url": absolute(reverse("progress:report-edit", kwargs={
            "slug": report.institution.slug, "year": report.fiscal_year})),
        "progress_url": absolute(report.get_absolute_url()),
    }


def _report_due(notification):
    institution = target_of(notification)
    year = notification.context["fiscal_year"]
    if YearlyReport.objects.filter(institution=institution, fiscal_year=year, status__in=[
            YearlyReport.Status.SUBMITTED, YearlyReport.Status.PUBLISHED]).exists():
        raise Obsolete("the report was submitted after the reminder was queued")
    report = YearlyReport.objects.filter(institution=institution, fiscal_year=year).first()
    url = (reverse("progress:report-edit", kwargs={"slug": institution.slug, "year": year}) if report
           else reverse("progress:report-create", kwargs={"slug": institution.slug}))
    return {
        "institution": institution,
        "fiscal_year": year,
        "due_on": datetime.date.fromisoformat(notification.context["due_on"]),
        "days": notification.context["days"],
        "report": report,
        "report_url": absolute(url),
    }


FOR_CONTACT = frozenset({CONTACT})
FOR_STAFF = frozenset({STAFF})


KINDS = [
    Kind(key="question_asked", label=_("Questions on your initiatives"),
         description=_("A member asks a question on an initiative you wrote or your institution shared."),
         template="progress/email/question_asked", context=_question, order=42, audience=FOR_STAFF),
    Kind(key="question_answered", label=_("Answers to your questions"),
         description=_("The authors of an initiative answered your question."),
         template="progress/email/question_answered", context=_question, order=43, audience=FOR_STAFF),
    Kind(key="report_reviewed", label=_("Yearly report reviewed"),
         description=_("The secretariat published or returned your institution's yearly report."),
         template="progress/email/report_reviewed", context=_report, digestible=False, order=44, audience=FOR_CONTACT),
    Kind(key="report_due", label=_("Yearly report reminders"),
         description=_("Your institution's yearly report is due: 30 days and 7 days before the deadline, "
                       "and on the day, until it is submitted."),
         template="progress/email/report_due", context=_report_due, digestible=False, order=45, audience=FOR_CONTACT),
]


def register_all():
    for kind in KINDS:
        register(kind)
