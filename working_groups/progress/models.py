"""Horizontal deployment (adoptions, questions) and the way to carbon neutrality (commitments,
yearly reports).

A fiscal year is Japan's: FY2024 runs from April 2024 to March 2025 (``fiscal_year_of``).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.i18n import translated
from members.models import Institution

from ..models import Initiative

FIRST_YEAR = 2000  # no earlier baseline or report is plausible for the coalition's members
# The largest emitter among Japanese universities emits about 250,000 t-CO2e a year (scope 1+2);
# ten million for one institution is a typing error (a unit or a decimal mark), never a figure.
MAX_EMISSIONS = Decimal("10000000")
MAX_ENERGY_GJ = Decimal("100000000")
MAX_FLOOR_AREA = 50_000_000
MAX_HEADCOUNT = 1_000_000


def fiscal_year_of(day: datetime.date) -> int:
    """The Japanese fiscal year a day belongs to (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year) -> str:
    """2024年度 in Japanese, FY2024 in English."""
    return gettext("FY%(year)s") % {"year": year}


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


def default_due_date(fiscal_year: int) -> datetime.date:
    """When the yearly report of ``fiscal_year`` is due unless the secretariat set another date:
    ``PROGRESS_REPORT_DUE`` (month-day) of the calendar year in which the fiscal year ends, i.e.
    30 June 2026 for FY2025 (April 2025 to March 2026) with the default "06-30"."""
    month, day = (int(part) for part in settings.PROGRESS_REPORT_DUE.split("-"))
    return datetime.date(fiscal_year + 1, month, day)


def validate_reportable_year(value: int) -> None:
    """Figures are reported for a fiscal year that has ended (FY2025 from April 2026 on)."""
    if value is not None and value >= current_fiscal_year():
        raise ValidationError(
            _("FY%(year)s has not ended yet: figures can be reported only for a year that has ended."),
            params={"year": value}, code="future_year")


def _non_negative(field: str) -> Q:
    return Q(**{f"{field}__gte": 0})


class Commitment(models.Model):
    """An institution's commitment: when it will be carbon neutral, the interim target on the way
    and the baseline both are measured from; and whether its figures are public."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members only")

    institution = models.OneToOneField(Institution, on_delete=models.CASCADE, related_name="commitment")
    target_year = models.PositiveSmallIntegerField(
        _("carbon-neutrality target year"), validators=[MinValueValidator(2021), MaxValueValidator(2100)])
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline fiscal year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)])
    baseline_emissions = models.DecimalField(
        _("baseline emissions, scope 1 and 2 (t-CO₂e)"), max_digits=12, decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EMISSIONS)])
    interim_year = models.PositiveSmallIntegerField(
        _("interim target year"), null=True, blank=True, validators=[MinValueValidator(2021), MaxValueValidator(2100)])
    interim_reduction = models.DecimalField(
        _("interim reduction from the baseline (%)"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    visibility = models.CharField(
        _("who sees the figures"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS,
        help_text=_("Public: anyone sees the institution's figures. Members only: staff of member institutions "
                    "and the secretariat; coalition totals still count them, without revealing them."))
    updated_at = models.DateTimeField(auto_now=True)
    # The latest published report and where it stands against the path, kept by
    # services.commitments_refresh whenever a report or the commitment is saved: /progress/ counts and
    # lists the institutions on track from these columns instead of reading every institution's
    # reports on each request (docs/progress.md, Speed).
    latest_year = models.PositiveSmallIntegerField(null=True, editable=False)
    latest_emissions = models.DecimalField(max_digits=13, decimal_places=1, null=True, editable=False)
    latest_share = models.DecimalField(max_digits=4, decimal_places=1, null=True, editable=False)
    on_track = models.BooleanField(null=True, editable=False)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(condition=Q(baseline_emissions__gte=0), name="commitment_baseline_non_negative"),
            models.CheckConstraint(condition=Q(target_year__gt=F("baseline_year")),
                                   name="commitment_target_after_base"),
            models.CheckConstraint(
                condition=Q(interim_year__isnull=True, interim_reduction__isnull=True)
                | Q(interim_year__gt=F("baseline_year"), interim_year__lte=F("target_year"),
                    interim_reduction__gte=0, interim_reduction__lte=100),
                name="commitment_interim_consistent"),
        ]

    def __str__(self):
        return f"{self.institution} → {self.target_year}"

    def clean(self):
        errors = {}
        if self.target_year and self.baseline_year and self.target_year <= self.baseline_year:
            errors["target_year"] = _("The target year comes after the baseline year.")
        if (self.interim_year is None) != (self.interim_reduction is None):
            errors["interim_reduction"] = _("Give both the interim target year and its reduction, or neither.")
        elif self.interim_year is not None and self.baseline_year and self.target_year and not (
                self.baseline_year < self.interim_year <= self.target_year):
            errors["interim_year"] = _("The interim target year lies between the baseline year and the target year.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def path_points(self) -> list[tuple[int, Decimal]]:
        """The straight target path: baseline, interim target (if any), zero in the target year."""
        points = [(self.baseline_year, self.baseline_emissions)]
        if self.interim_year is not None and self.interim_reduction is not None:
            points.append((self.interim_year, self.baseline_emissions * (100 - self.interim_reduction) / 100))
        points.append((self.target_year, Decimal(0)))
        return points

    def path_at(self, year: int) -> Decimal:
        """Where the institution should be in ``year`` on its path (the baseline before it)."""
        points = self.path_points()
        if year <= points[0][0]:
            return points[0][1]
        for (y0, v0), (y1, v1) in zip(points, points[1:], strict=False):
            if year <= y1:
                return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
        return Decimal(0)


class YearlyReportQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=YearlyReport.Status.PUBLISHED)


class YearlyReport(models.Model):
    """One institution's figures for one fiscal year: entered by its contacts, reviewed by the
    secretariat (draft → submitted → published, or returned with a comment and submitted again)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        PUBLISHED = "published", _("Published")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="yearly_reports")
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(FIRST_YEAR), validate_reportable_year],
        help_text=_("The year in which the fiscal year begins: FY2024 runs from April 2024 to March 2025."))
    scope1 = models.DecimalField(
        _("scope 1 emissions (t-CO₂e)"), max_digits=12, decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EMISSIONS)],
        help_text=_("Direct emissions: fuel burnt on campus, the institution's vehicles."))
    scope2 = models.DecimalField(
        _("scope 2 emissions (t-CO₂e)"), max_digits=12, decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EMISSIONS)],
        help_text=_("Indirect emissions from the electricity, heat and steam bought."))
    scope3 = models.DecimalField(
        _("scope 3 emissions (t-CO₂e, optional)"), max_digits=12, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EMISSIONS)])
    energy_gj = models.DecimalField(
        _("energy use (GJ)"), max_digits=14, decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_ENERGY_GJ)])
    renewable_share = models.DecimalField(
        _("renewable electricity share (%)"), max_digits=4, decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    floor_area = models.PositiveIntegerField(
        _("floor area (m²)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_FLOOR_AREA)])
    headcount = models.PositiveIntegerField(
        _("headcount (students and staff)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_HEADCOUNT)])
    narrative_ja = models.TextField(_("narrative (Japanese)"), blank=True, max_length=2000)
    narrative_en = models.TextField(_("narrative (English)"), blank=True, max_length=2000)
    data_notes = models.TextField(
        _("data sources"), blank=True, max_length=2000,
        help_text=_("Where the figures come from (e.g. the report under the Act on Rational Use of Energy) "
                    "and the emission factors used."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(_("comment of the secretariat"), blank=True, max_length=2000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = YearlyReportQuerySet.as_manager()

    narrative = translated("narrative")

    class Meta:
        verbose_name = _("yearly report")
        verbose_name_plural = _("yearly reports")
        ordering = ["institution", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "fiscal_year"], name="yearly_report_one_per_year",
                violation_error_message=_("There is already a report for this fiscal year; edit that one.")),
            models.CheckConstraint(
                condition=Q(scope1__gte=0, scope1__lte=MAX_EMISSIONS, scope2__gte=0, scope2__lte=MAX_EMISSIONS)
                & (Q(scope3__isnull=True) | Q(scope3__gte=0, scope3__lte=MAX_EMISSIONS)),
                name="yearly_report_emissions_range"),
            models.CheckConstraint(condition=Q(renewable_share__gte=0, renewable_share__lte=100),
                                   name="yearly_report_renewable_share_range"),
            models.CheckConstraint(condition=_non_negative("energy_gj") & Q(floor_area__gte=1, headcount__gte=1),
                                   name="yearly_report_sizes_positive"),
            models.CheckConstraint(condition=Q(fiscal_year__gte=FIRST_YEAR), name="yearly_report_year_plausible"),
        ]
        indexes = [
            # coalition totals: published reports by year
            models.Index(fields=["status", "fiscal_year"], name="yearly_report_totals"),
        ]

    def __str__(self):
        return f"{self.institution} FY{self.fiscal_year}"

    def get_absolute_url(self):
        return reverse("progress:institution-progress", kwargs={"slug": self.institution.slug})

    @property
    def emissions(self) -> Decimal:
        """Scope 1 and 2: what targets are set on."""
        return self.scope1 + self.scope2

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class Adoption(models.Model):
    """Institution B records that it adopted (or adapted) initiative A of another institution."""

    class Kind(models.TextChoices):
        ADOPTED = "adopted", _("Adopted as it was")
        ADAPTED = "adapted", _("Adapted to our campus")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="adoptions",
                                   verbose_name=_("initiative"))
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="adoptions",
                                    verbose_name=_("adopting institution"))
    kind = models.CharField(_("how"), max_length=10, choices=Kind.choices, default=Kind.ADAPTED)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)],
        help_text=_("The year in which your institution started it."))
    changes = models.TextField(_("what you changed"), blank=True, max_length=2000)
    result = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.SET_NULL, related_name="adopted_from",
        verbose_name=_("your resulting initiative"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "institution"], name="adoption_once_per_institution",
                violation_error_message=_("This institution has already recorded this adoption.")),
        ]
        indexes = [models.Index(fields=["institution", "year"]), models.Index(fields=["year", "initiative"])]

    def __str__(self):
        return f"{self.institution} ← {self.initiative}"


class Question(models.Model):
    """A member's question on an initiative, answered by its author or its institution's contacts.
    Members-only until the answerer makes an answered question public."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    institution = models.ForeignKey(Institution, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("institution of the asker"))
    body = models.TextField(_("question"), max_length=2000)
    answer = models.TextField(_("answer"), blank=True, max_length=4000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField(_("shown to everyone"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(is_public=False) | ~Q(answer=""), name="question_public_only_answered"),
        ]
        indexes = [models.Index(fields=["initiative", "created_at"])]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return f"{self.initiative.get_absolute_url()}#question-{self.pk}"

    @property
    def is_answered(self) -> bool:
        return bool(self.answer)


class ReportingYear(models.Model):
    """A fiscal year the institutions report on, with its deadline. A row exists once the
    secretariat sets the deadline or the first reminder goes out; until then the deadline is
    ``default_due_date``."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), unique=True, validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(2100)])
    due_on = models.DateField(_("reports due on"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reporting year")
        verbose_name_plural = _("reporting years")
        ordering = ["-fiscal_year"]
        constraints = [
            # a fiscal year is reported after it has ended (FY2025 ends on 31 March 2026)
            models.CheckConstraint(condition=Q(due_on__year__gt=F("fiscal_year")),
                                   name="reporting_year_due_after_the_year"),
        ]

    def __str__(self):
        return f"FY{self.fiscal_year} → {self.due_on}"

    def clean(self):
        if self.fiscal_year and self.due_on and self.due_on < datetime.date(self.fiscal_year + 1, 4, 1):
            raise ValidationError({"due_on": _(
                "FY%(year)s ends on 31 March %(end)s: the reports can be due only after that.")
                % {"year": self.fiscal_year, "end": self.fiscal_year + 1}})


class ReportReminder(models.Model):
    """That the reminder ``days`` before the deadline went to one institution for one reporting
    year: the state row that makes each reminder go out once, however often the task runs."""

    reporting_year = models.ForeignKey(ReportingYear, on_delete=models.CASCADE, related_name="reminders")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reporting_year", "institution", "days"], name="report_reminder_once"),
        ]

    def __str__(self):
        return f"{self.institution} FY{self.reporting_year.fiscal_year} −{self.days}d"
