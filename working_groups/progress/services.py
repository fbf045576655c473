"""Writes of the progress app: yearly reports and their review, commitments, adoptions, questions.

Each service validates before it saves (nothing is half-saved), runs in one transaction, records
decisions in the audit log and writes its notices to the outbox in the same transaction."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.models import Institution
from members.notifications.services import notify
from members.selectors import institution_contacts

from ..models import Initiative
from .models import Adoption, Commitment, Question, YearlyReport

REPORT_FIELDS = ["scope1", "scope2", "scope3", "energy_gj", "renewable_share", "floor_area", "headcount",
                 "narrative_ja", "narrative_en", "data_notes"]


@transaction.atomic
def report_save(*, institution: Institution, by, data: dict, report: YearlyReport | None = None,
                submit: bool = False) -> YearlyReport:
    """Create or change a report while it is a draft or returned; ``submit`` sends it for review.

    Side effects: the report row; on submit, an audit entry. Raises ValidationError (nothing saved)
    for bad figures, a year not ended, a second report for one year, or a report under review."""
    if report is None:
        report = YearlyReport(institution=institution, fiscal_year=data.get("fiscal_year"))
    else:
        report = YearlyReport.objects.select_for_update().get(pk=report.pk)
        if not report.is_editable:
            raise ValidationError(_("This report is with the secretariat or published; it cannot be changed now."),
                                  code="not_editable")
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    report.full_clean(validate_unique=False)
    if YearlyReport.objects.filter(institution=institution, fiscal_year=report.fiscal_year).exclude(
            pk=report.pk).exists():
        raise ValidationError({"fiscal_year": _("There is already a report for FY%(year)s; edit that one.")
                               % {"year": report.fiscal_year}})
    if submit:
        report.status = YearlyReport.Status.SUBMITTED
        report.submitted_by = by
        report.submitted_at = timezone.now()
    report.save()
    if submit:
        audit(actor=by, action="report.submit", obj=report, institution=institution)
    return report


@transaction.atomic
def report_review(*, report: YearlyReport, by, publish: bool, comment: str = "") -> YearlyReport:
    """The secretariat publishes a submitted report or returns it with a comment.

    Side effects: the report's status and review fields; an audit entry; a ``report_reviewed``
    notice to the institution's contacts."""
    report = YearlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != YearlyReport.Status.SUBMITTED:
        raise ValidationError(_("This report is not waiting for review any more."), code="not_submitted")
    comment = (comment or "").strip()
    if not publish and not comment:
        raise ValidationError({"comment": _("Say what should change: the institution sees this comment.")})
    report.status = YearlyReport.Status.PUBLISHED if publish else YearlyReport.Status.RETURNED
    report.review_comment = comment
    report.reviewed_by = by
    report.reviewed_at = timezone.now()
    report.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "updated_at"])
    audit(actor=by, action="report.publish" if publish else "report.return", obj=report, reason=comment,
          institution=report.institution)
    notify(kind="report_reviewed", to=institution_contacts(report.institution), obj=report,
           period=f"{report.status}-{report.reviewed_at:%Y%m%d%H%M%S}")
    return report


@transaction.atomic
def commitment_save(*, institution: Institution, by, data: dict) -> Commitment:
    """Set the institution's commitment and whether its figures are public.

    Side effects: the commitment row; an audit entry."""
    commitment = Commitment.objects.filter(institution=institution).first() or Commitment(institution=institution)
    for name, value in data.items():
        setattr(commitment, name, value)
    commitment.full_clean()
    commitment.save()
    audit(actor=by, action="commitment.update", obj=institution, detail={"visibility": commitment.visibility})
    return commitment


@transaction.atomic
def adoption_record(*, initiative: Initiative, institution: Institution, by, data: dict) -> Adoption:
    """Institution records that it adopted or adapted ``initiative``.

    Side effects: the adoption row. Raises ValidationError for the initiative's own institution, a
    draft, or a second record of the same adoption."""
    if institution.pk == initiative.institution_id:
        raise ValidationError({"institution": _("An institution cannot adopt its own initiative.")})
    if initiative.status == Initiative.Status.DRAFT:
        raise ValidationError(_("A draft cannot be adopted."))
    adoption = Adoption(initiative=initiative, institution=institution, recorded_by=by, **data)
    adoption.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            adoption.save()
    except IntegrityError:
        raise ValidationError({"institution": _("%(institution)s has already recorded this adoption.")
                               % {"institution": institution}}) from None
    return adoption


def _answerers(initiative: Initiative) -> list:
    people = {u.pk: u for u in institution_contacts(initiative.institution)}
    if initiative.author is not None and initiative.author.is_active:
        people[initiative.author.pk] = initiative.author
    return list(people.values())


@transaction.atomic
def question_ask(*, initiative: Initiative, by, institution: Institution | None, body: str) -> Question:
    """A member asks the initiative's authors a question.

    Side effects: the question row; a ``question_asked`` notice to the author and the contacts of
    the initiative's institution (not to the asker)."""
    question = Question(initiative=initiative, asked_by=by, institution=institution, body=(body or "").strip())
    question.full_clean()
    question.save()
    notify(kind="question_asked", to=[u for u in _answerers(initiative) if u.pk != by.pk], obj=question)
    return question


@transaction.atomic
def question_answer(*, question: Question, by, answer: str, is_public: bool) -> Question:
    """The author or a contact answers (or corrects the answer) and chooses whether to show it to all.

    Side effects: the question's answer; a ``question_answered`` notice to the asker (the first
    answer only)."""
    question = Question.objects.select_for_update().select_related("initiative").get(pk=question.pk)
    first = not question.answer
    question.answer = (answer or "").strip()
    question.is_public = bool(is_public) and bool(question.answer)
    question.answered_by = by
    question.answered_at = timezone.now()
    question.full_clean()
    question.save()
    if first and question.asked_by is not None and question.asked_by_id != by.pk:
        notify(kind="question_answered", to=[question.asked_by], obj=question)
    return question
