"""Writes of the progress app: yearly reports and their review, commitments, adoptions, questions.

Each service validates before it saves (nothing is half-saved), runs in one transaction, records
decisions in the audit log and writes its notices to the outbox in the same transaction."""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.facets import per_row_count
from members.models import Institution
from members.notifications.services import notify
from members.selectors import institution_contacts
from members.spreadsheets import FORMULA_STARTS, csv_upload_text

from ..models import Initiative
from . import selectors
from .models import (
    Adoption,
    Commitment,
    Question,
    ReportingYear,
    ReportReminder,
    YearlyReport,
    current_fiscal_year,
    default_due_date,
)

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
def reporting_year_set(*, fiscal_year: int, due_on, by) -> ReportingYear:
    """The secretariat sets (or moves) the deadline of a fiscal year's reports.

    Side effects: the reporting year row; an audit entry. Reminders already sent stay sent; the
    ones still to come follow the new date. Raises ValidationError (nothing saved) for a date
    before the fiscal year has ended. Two first saves at once make one row: the second, refused by
    the unique fiscal year, updates the row the first made (``update_or_create`` retries the get)."""
    ReportingYear(fiscal_year=fiscal_year, due_on=due_on, set_by=by).full_clean(validate_unique=False)
    year, _created = ReportingYear.objects.update_or_create(
        fiscal_year=fiscal_year, defaults={"due_on": due_on, "set_by": by})
    audit(actor=by, action="reporting_year.set", obj=year, detail={"due_on": due_on.isoformat()})
    return year


REMINDER_DAYS = (30, 7, 0)  # before the deadline; the last is on the day


def reminder_stage(due_on, today) -> int | None:
    """Which reminder is due ``today`` for a deadline: 30 from 30 days before until 8 days before,
    7 from 7 days before until the day before, 0 on the day, None otherwise. A worker that was
    down catches up with the reminder of the window it is in, never with an earlier one."""
    left = (due_on - today).days
    if left < 0 or left > REMINDER_DAYS[0]:
        return None
    return min(d for d in REMINDER_DAYS if d >= left)


def institutions_to_remind(fiscal_year: int):
    """The institutions expected to report ``fiscal_year`` (active, committed, members by the year's
    end: ``selectors.institutions_expected_to_report``) whose report has not been submitted: no
    report, a draft, or returned for changes."""
    done = YearlyReport.objects.filter(
        fiscal_year=fiscal_year, status__in=[YearlyReport.Status.SUBMITTED, YearlyReport.Status.PUBLISHED])
    return selectors.institutions_expected_to_report(fiscal_year).exclude(pk__in=done.values("institution_id"))


def report_reminders_due(*, today=None) -> int:
    """Queue the yearly-report reminders that are due and not yet sent, for the last fiscal year that
    ended and any later-due year the secretariat set. Each (year, institution, reminder) goes out
    once: a ``ReportReminder`` row is claimed before the notice is written, in one transaction.
    Returns the number of institutions reminded.

    Side effects: ``ReportingYear`` rows with the default deadline where none was set;
    ``ReportReminder`` rows; ``report_due`` notices to each institution's contacts."""
    today = today or timezone.localdate()
    last = current_fiscal_year() - 1
    years = {last: None, **{y.fiscal_year: y for y in ReportingYear.objects.filter(due_on__gte=today)}}
    count = 0
    for fiscal_year, reporting_year in sorted(years.items()):
        due_on = reporting_year.due_on if reporting_year else default_due_date(fiscal_year)
        days = reminder_stage(due_on, today)
        if days is None:
            continue
        if reporting_year is None:
            reporting_year, _created = ReportingYear.objects.get_or_create(
                fiscal_year=fiscal_year, defaults={"due_on": due_on})
            if reporting_year.due_on != due_on:  # the secretariat set a date meanwhile: next run
                continue
        sent = ReportReminder.objects.filter(reporting_year=reporting_year, days=days).values("institution_id")
        for institution in institutions_to_remind(fiscal_year).exclude(pk__in=sent).order_by("pk"):
            with transaction.atomic():
                _reminder, created = ReportReminder.objects.get_or_create(
                    reporting_year=reporting_year, institution=institution, days=days)
                if not created:
                    continue
                notify(kind="report_due", to=institution_contacts(institution), obj=institution,
                       period=f"FY{fiscal_year}-{days}",
                       # the days actually left: a reminder caught up late says so
                       context={"fiscal_year": fiscal_year, "due_on": due_on.isoformat(),
                                "days": (due_on - today).days},
                       reply_to=settings.SECRETARIAT_EMAIL)
                count += 1
    return count


@transaction.atomic
def commitment_save(*, institution: Institution, by, data: dict) -> Commitment:
    """Set the institution's commitment and whether its figures are public.

    Side effects: the commitment row; an audit entry."""
    commitment = Commitment.objects.filter(institution=institution).first() or Commitment(institution=institution)
    for name, value in data.items():
        setattr(commitment, name, value)
    commitment.full_clean()
    commitment.save()
    # The commitment is the source of truth for the target year; the institution keeps a copy for
    # its profile and the directory's open data (docs/progress.md).
    if institution.target_year != commitment.target_year:
        institution.target_year = commitment.target_year
        institution.save(update_fields=["target_year", "updated_at"])
    audit(actor=by, action="commitment.update", obj=institution, detail={"visibility": commitment.visibility})
    return commitment


def commitments_refresh(institution_ids=None, *, batch: int = 2000) -> int:
    """Bring the commitments' copy of their latest published report up to date (all commitments,
    or those of ``institution_ids``): its year, emissions (scope 1 and 2) and renewable share, and
    whether it is at or below the target path (``on_track``; None without a published report).
    Saving a report or a commitment calls it for that institution (``connect``); a bulk load
    (bench/seed.py) calls it once at the end. Returns the commitments changed.

    The changed rows are written with one parameterised UPDATE each, sent together (executemany):
    ``bulk_update`` builds a CASE expression per column in Python, 3 ms a row (45 s for 15,000)."""
    qs = Commitment.objects.order_by("pk")
    if institution_ids is not None:
        qs = qs.filter(institution_id__in=list(institution_ids))
    columns = ("latest_year", "latest_emissions", "latest_share", "on_track")
    sql = (f"UPDATE {connection.ops.quote_name(Commitment._meta.db_table)} SET "
           + ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns) + " WHERE id = %s")
    changed = []
    for commitment in selectors.with_latest_report(qs).iterator(chunk_size=batch):
        fresh = (commitment.report_year, commitment.report_emissions, commitment.report_share)
        track = None if fresh[0] is None else fresh[1] <= commitment.path_at(fresh[0])
        if (commitment.latest_year, commitment.latest_emissions, commitment.latest_share, commitment.on_track) \
                != (*fresh, track):
            changed.append((*fresh, track, commitment.pk))
    with connection.cursor() as cursor:
        for start in range(0, len(changed), batch):
            cursor.executemany(sql, changed[start:start + batch])
    return len(changed)


def _report_written(sender, instance, **kwargs):
    commitments_refresh([instance.institution_id])


def connect() -> None:
    """A report saved or deleted, or a commitment saved (its path or its year may have changed),
    refreshes that institution's latest-report columns (``commitments_refresh``; an update, which
    sends no signal of its own)."""
    post_save.connect(_report_written, sender=YearlyReport, dispatch_uid="progress-latest-report")
    post_delete.connect(_report_written, sender=YearlyReport, dispatch_uid="progress-latest-report-deleted")
    post_save.connect(_report_written, sender=Commitment, dispatch_uid="progress-latest-commitment")
    # an initiative's adoption count (Initiative.adoption_count, "most adopted first")
    post_save.connect(_adoption_written, sender=Adoption, dispatch_uid="progress-adoption-count")
    post_delete.connect(_adoption_written, sender=Adoption, dispatch_uid="progress-adoption-count-deleted")


def adoptions_recount(initiative_ids) -> None:
    """Count the adoptions of these initiatives into ``Initiative.adoption_count``: a recount, not an
    increment, so a count the previous release left behind (migration progress 0005) is right again
    after the initiative's next adoption."""
    Initiative.objects.filter(pk__in=initiative_ids).update(
        adoption_count=per_row_count(Adoption.objects.all(), "initiative"))


def adoptions_recount_all() -> None:
    """``adoptions_recount`` of every initiative, in one statement (after rows were loaded without
    signals: bench/seed.py's COPY)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE working_groups_initiative AS i SET adoption_count = c.n FROM (SELECT initiative_id, "
            "COUNT(*) AS n FROM progress_adoption GROUP BY initiative_id) AS c "
            "WHERE i.id = c.initiative_id AND i.adoption_count <> c.n")


def _adoption_written(sender, instance, **kwargs):
    adoptions_recount([instance.initiative_id])


def target_year_check(institution: Institution, target_year: int | None) -> str | None:
    """Why the institution's target year cannot become ``target_year`` (profile form, member
    import) while it has a commitment, or None."""
    commitment = Commitment.objects.filter(institution_id=institution.pk).first()
    if commitment is None:
        return None
    if target_year is None:
        return _("Your institution has a carbon-neutrality commitment: its target year cannot be removed.")
    if target_year <= commitment.baseline_year or (commitment.interim_year or 0) > target_year:
        return _("The target year must come after the commitment's baseline year (FY%(base)s) and "
                 "its interim target (%(interim)s).") % {"base": commitment.baseline_year,
                                                        "interim": commitment.interim_year or "–"}
    return None


def target_year_follow(institution: Institution, target_year: int | None, by) -> None:
    """The commitment takes the target year set on the profile or by an import (already checked).

    Side effects: the commitment's target year (the progress pages' caches follow its save)."""
    commitment = Commitment.objects.select_for_update().filter(institution_id=institution.pk).first()
    if commitment is not None and target_year is not None and commitment.target_year != target_year:
        commitment.target_year = target_year
        commitment.save(update_fields=["target_year", "updated_at"])


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


# CSV upload of yearly reports ------------------------------------------------------------------

UPLOAD_COLUMNS = ["fiscal_year", "scope1", "scope2", "scope3", "energy_gj", "renewable_share", "floor_area",
                  "headcount", "narrative_ja", "narrative_en", "data_notes"]
UPLOAD_REQUIRED = ["fiscal_year", "scope1", "scope2", "energy_gj", "renewable_share", "floor_area", "headcount"]
UPLOAD_TEXT = ["narrative_ja", "narrative_en", "data_notes"]
UPLOAD_MAX_BYTES = 256 * 1024  # the form refuses a larger file before it is read
UPLOAD_MAX_ROWS = 100


@dataclass
class UploadReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


def _file_error(message) -> ValidationError:
    return ValidationError({"file": message})


def _upload_text(data: bytes) -> str:
    """The file's text (``csv_upload_text``), its refusal an error of the ``file`` field."""
    try:
        return csv_upload_text(data)
    except ValidationError as exc:
        raise _file_error(exc.messages[0]) from None


def _upload_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The file's columns (names as the template writes them: case and spaces do not matter) and
    its rows, each with the line it starts on; blank lines are skipped. Refuses (a ValidationError
    on ``file``, nothing read further) a file without rows, a column missing, unknown or given
    twice, a quotation mark never closed, a field longer than the csv module's limit, and more
    than UPLOAD_MAX_ROWS rows."""
    text = _upload_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, start = None, [], 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]
                continue
            rows.append((line, cells))
            if len(rows) > UPLOAD_MAX_ROWS:
                raise _file_error(_("The file has more than %(max)s rows: upload at most %(max)s at a time.")
                                  % {"max": UPLOAD_MAX_ROWS})
    except csv.Error:
        raise _file_error(_("Line %(line)s cannot be read as CSV: a quotation mark is not closed (or a field is "
                            "longer than %(max)s characters).") % {"line": start, "max": f"{csv.field_size_limit():,}"}
                          ) from None
    if header is None:
        raise _file_error(_("The file is empty: start from the template."))
    problems = []
    missing = [c for c in UPLOAD_REQUIRED if c not in header]
    if missing:
        problems.append(_("Line 1 lacks the columns %(columns)s; start from the template.")
                        % {"columns": ", ".join(missing)})
    unknown = [c or "—" for c in dict.fromkeys(header) if c not in UPLOAD_COLUMNS]
    if unknown:
        problems.append(_("Line 1 has columns the template does not: %(columns)s. Remove them, or correct their "
                          "names to %(known)s.") % {"columns": ", ".join(unknown), "known": ", ".join(UPLOAD_COLUMNS)})
    twice = [c for c in dict.fromkeys(header) if c and header.count(c) > 1]
    if twice:
        problems.append(_("Line 1 has the columns %(columns)s more than once.") % {"columns": ", ".join(twice)})
    if problems:
        raise _file_error(problems)
    if not rows:
        raise _file_error(_("The file has the columns but no rows: one row per fiscal year."))
    return header, rows


def _field_label(name: str) -> str:
    """A column as the error names it: its name in the file and what it holds."""
    return f"{name} ({YearlyReport._meta.get_field(name).verbose_name})"


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{_field_label(name)}: {' '.join(str(m) for m in errors[0].messages)}" if name != "__all__"
                else " ".join(str(m) for m in errors[0].messages) for name, errors in exc.error_dict.items()]
    return [" ".join(exc.messages)]


@transaction.atomic
def reports_upload(*, institution: Institution, by, data: bytes, dry_run: bool) -> UploadReport:
    """Yearly reports from a CSV file (the columns of UPLOAD_COLUMNS), as drafts the contact then
    submits. Every row is checked first; one bad row saves nothing, and a dry run saves nothing at
    all. A row equal to the report already there changes nothing, so the same file twice changes
    nothing the second time. A report under review or published is not overwritten (row error).
    A column the file leaves out (scope 3, the narratives, the notes) leaves that figure of an
    existing report as it is; an empty cell clears it.

    Each error names its line and column (``UploadReport.errors``: (line, message)); a fault of the
    whole file (encoding, columns, size) is a ValidationError on ``file``. A text cell that starts
    like a spreadsheet formula (=, +, -, @) is refused, as in the people import: exports quote such
    cells, but the portal does not store a value that turns into a formula when a file is opened.

    Side effects: report rows (not on a dry run or with errors)."""
    header, rows = _upload_rows(data)
    result = UploadReport(dry_run=dry_run)
    existing = {r.fiscal_year: r for r in YearlyReport.objects.select_for_update().filter(institution=institution)}
    seen: dict[int, int] = {}
    pending = []
    for line, cells in rows:
        if len(cells) != len(header):
            result.errors.append((line, _("The row has %(cells)s cells where line 1 has %(columns)s columns: a comma "
                                          "too many or too few?") % {"cells": len(cells), "columns": len(header)}))
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        problems = []
        try:
            year = int(values["fiscal_year"])
        except ValueError:
            result.errors.append((line, f"{_field_label('fiscal_year')}: " + _("not a whole number such as %(year)s.")
                                  % {"year": current_fiscal_year() - 1}))
            continue
        if year in seen:
            result.errors.append((line, f"{_field_label('fiscal_year')}: " + _(
                "FY%(year)s is also on line %(line)s; one row per year.") % {"year": year, "line": seen[year]}))
            continue
        seen[year] = line
        report = existing.get(year)
        if report is not None and not report.is_editable:
            result.errors.append((line, f"{_field_label('fiscal_year')}: " + _(
                "FY%(year)s is with the secretariat or published; it cannot be changed by a file.") % {"year": year}))
            continue
        for name in UPLOAD_TEXT:
            limit = YearlyReport._meta.get_field(name).max_length
            if values.get(name, "").startswith(FORMULA_STARTS):
                problems.append(_("%(column)s starts like a spreadsheet formula (=, +, -, @); write it without "
                                  "that sign") % {"column": _field_label(name)})
            elif len(values.get(name, "")) > limit:
                problems.append(_("%(column)s is longer than %(max)s characters") % {"column": _field_label(name),
                                                                                    "max": limit})
        before = {n: getattr(report, n) for n in REPORT_FIELDS} if report else None
        candidate = report or YearlyReport(institution=institution, fiscal_year=year)
        for name in REPORT_FIELDS:
            if name in values:
                raw = values[name]
                setattr(candidate, name, raw if raw != "" or name in UPLOAD_TEXT else None)
        try:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems += _messages(exc)
        if problems:
            result.errors += [(line, message) for message in problems]
            continue
        if before is not None and all(before[n] == getattr(candidate, n) for n in REPORT_FIELDS):
            result.unchanged.append(year)
            continue
        (result.updated if report else result.created).append(year)
        pending.append(candidate)
    if result.ok and not dry_run:
        for candidate in pending:
            candidate.save()
    return result
