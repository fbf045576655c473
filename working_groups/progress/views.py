"""Pages of the progress app: /progress/ (coalition totals), /members/<slug>/progress/ (one
institution's trend), the yearly report and commitment forms, the secretariat's review, and the
adoption and question forms of an initiative."""

import csv
import io
import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from members.access import form_errors_to_form, refuse, secretariat_gate
from members.cache import cached_fragment, cached_fragments
from members.i18n import current_language
from members.models import Institution
from members.pagination import page_of
from members.rules import current_affiliations
from members.spreadsheets import spreadsheet_row
from members.views.directory import institution_visible

from ..models import Initiative
from . import charts, selectors, services
from .cache import TOTALS
from .forms import (
    AdoptionForm,
    AnswerForm,
    CommitmentForm,
    DeadlineForm,
    ProgressFilterForm,
    QuestionForm,
    ReviewForm,
    UploadForm,
    YearlyReportForm,
)
from .models import Commitment, Question, YearlyReport, current_fiscal_year, fiscal_year_label


def _decimal(value, places=1):
    if value is None:
        return None
    return float(round(Decimal(value), places))


def _csv(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(spreadsheet_row(["" if v is None else v for v in row]))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _json(data) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False, indent=1),
                        content_type="application/json; charset=utf-8")


YEAR_FIELDS = ["fiscal_year", "institutions", "scope1_t", "scope2_t", "scope3_t", "scope3_institutions",
               "scope1_2_t", "energy_gj", "floor_area_m2", "headcount", "kg_per_m2", "t_per_person",
               "renewable_share_pct"]


def _year_row(t: selectors.Totals) -> dict:
    if not t.shown:
        return {"fiscal_year": t.key, "institutions": None, "suppressed": True}
    return {
        "fiscal_year": t.key, "institutions": t.institutions, "scope1_t": _decimal(t.scope1),
        "scope2_t": _decimal(t.scope2), "scope3_t": _decimal(t.scope3), "scope3_institutions": t.scope3_reported,
        "scope1_2_t": _decimal(t.emissions), "energy_gj": _decimal(t.energy), "floor_area_m2": t.floor_area,
        "headcount": t.headcount, "kg_per_m2": _decimal(t.per_m2, 2), "t_per_person": _decimal(t.per_person, 3),
        "renewable_share_pct": _decimal(t.renewable_share), "suppressed": False,
    }


def _group_row(t: selectors.Totals) -> dict:
    row = {"key": t.key, "label": str(t.label)}
    if not t.shown:
        return {**row, "suppressed": True}
    return {**row, "institutions": t.institutions, "scope1_2_t": _decimal(t.emissions),
            "kg_per_m2": _decimal(t.per_m2, 2), "renewable_share_pct": _decimal(t.renewable_share),
            "suppressed": False}


INSTITUTIONS_PER_PAGE = 50


def _totals_parts(filters: dict, sees_private: bool) -> tuple:
    """What /progress/'s figures depend on: the language, the side of the members-only line and
    the filters (their values, not their order)."""
    return (current_language(), sees_private, *sorted((k, getattr(v, "slug", v)) for k, v in filters.items()))


def coalition_totals(filters: dict, user):
    """/progress/'s figures for ``user``: (years, latest year, targets summary, breakdowns). The
    figures are the same for everyone on the same side of the members-only line (an institution's
    own contacts are staff, so on the members' side): computed once per side and filters, until a
    report, a commitment, a member or a group changes. (The institutions listed depend on the person,
    contacts seeing their own: the page reads them itself, ``selectors.institutions_listed``.)"""
    sees_private = selectors.sees_private_figures(user)

    def compute():
        years = selectors.totals_by_year(filters, sees_private=sees_private)
        shown_years = [t for t in years if t.shown]
        latest = shown_years[-1].key if shown_years else None
        summary = selectors.progress_overview(filters, sees_private=sees_private)
        groups = selectors.breakdowns(filters, latest, sees_private=sees_private) if latest else {}
        return years, latest, summary, groups

    return cached_fragment("progress-totals", TOTALS, _totals_parts(filters, sees_private), compute)


def figures_html(filters: dict, user) -> str:
    """/progress/'s targets, totals by year (two charts and their table) and breakdowns, as HTML:
    the same for everyone on one side of the members-only line and the same filters, so rendered
    once (charts and tables were two thirds of a computed page's time at the large scale) and kept
    until the totals change (the same namespaces)."""
    sees_private = selectors.sees_private_figures(user)

    def compute():
        years, latest, summary, groups = coalition_totals(filters, user)
        categories = [fiscal_year_label(t.key) for t in years]
        emissions_chart = charts.bar_chart(
            chart_id="chart-emissions", title=_("Members' emissions by fiscal year (t-CO₂e)"),
            description=_("Stacked bars of scope 1 and scope 2 emissions for each fiscal year; the table below "
                          "gives the same figures."),
            categories=categories, unit="t-CO₂e", bars=[
                charts.Series(_("Scope 1"), "chart-s1", [t.scope1 if t.shown else None for t in years]),
                charts.Series(_("Scope 2"), "chart-s2", [t.scope2 if t.shown else None for t in years]),
            ])
        renewable_chart = charts.bar_chart(
            chart_id="chart-renewable", title=_("Renewable electricity share by fiscal year (%)"),
            description=_("Bars of the members' renewable electricity share, weighted by energy use; the table "
                          "below gives the same figures."),
            categories=categories, unit="%", decimals=1, bars=[
                charts.Series(_("Renewable share"), "chart-s3",
                              [t.renewable_share if t.shown else None for t in years])])
        return render_to_string("progress/includes/_figures.html", {
            "years": years, "latest": latest, "groups": groups, "summary": summary,
            "emissions_chart": emissions_chart, "renewable_chart": renewable_chart, "min_group": selectors.MIN_GROUP,
        })

    return mark_safe(cached_fragment("progress-figures", TOTALS, _totals_parts(filters, sees_private), compute))


def coalition_figures(filters: dict, user, totals=None) -> dict:
    """The open-data document of /progress/?format=json (and of /api/v1/progress/)."""
    years, latest, summary, groups = totals or coalition_totals(filters, user)
    return {
        "filters": {k: getattr(v, "slug", v) for k, v in filters.items()},
        "unit": "t-CO2e",
        "years": [_year_row(t) for t in years],
        "targets": {"committed": summary.committed, "reporting": summary.reporting,
                    "on_track": summary.on_track if summary.shown else None},
        "breakdowns": {name: [_group_row(t) for t in rows] for name, rows in groups.items()},
        "latest_year": latest,
    }


FILTER_FIELDS = ("region", "prefecture", "kind", "wg")


def filter_fields(form: ProgressFilterForm) -> str:
    """/progress/'s four filter fields, each rendered once per language and value asked for (until a
    working group changes: its list is one of the fields), all read in one round trip. Django
    renders a field through its widget templates: 8-10 ms for 4 selects of up to 48 options, for
    every new combination of filters when the four were kept together; kept one by one, the few
    values of each field are soon all kept."""
    data = form.data
    language = current_language()
    parts = {name: (language, name, tuple(data.getlist(name)) if hasattr(data, "getlist") else data.get(name))
             for name in FILTER_FIELDS}
    fields = cached_fragments("progress-filter-field", ("groups",), parts,
                              lambda name: str(form[name].as_field_group()))
    return mark_safe("".join(fields[name] for name in FILTER_FIELDS))  # noqa: S308 - Django's rendering


class ProgressView(View):
    """/progress/: coalition totals by fiscal year; filters region, prefecture, kind, wg;
    ?format=csv|json."""

    template_name = "progress/progress.html"

    def get(self, request):
        form = ProgressFilterForm(request.GET or None)
        filters = form.filters() if request.GET else {}
        user = request.user
        sees_private = selectors.sees_private_figures(user)
        fmt = request.GET.get("format")
        if fmt in ("csv", "json"):
            totals = years, _latest, _summary, _groups = coalition_totals(filters, user)
            if fmt == "csv":
                rows = [_year_row(t) for t in years]
                return _csv("coalition-progress.csv", YEAR_FIELDS, [[r.get(f) for f in YEAR_FIELDS] for r in rows])
            return _json(coalition_figures(filters, user, totals))
        # one page of the institutions (the coalition could have thousands), counted from the cells
        page, _paginator = page_of(request, selectors.institutions_listed(filters, user=user), INSTITUTIONS_PER_PAGE,
                                   known_count=selectors.listed_count(filters, user=user))
        context = {
            "form": form, "filters": filters, "figures": figures_html(filters, user),
            "institutions": page.object_list, "page_obj": page,
            "sees_private": sees_private, "filter_fields": filter_fields(form),
            "query": request.GET.urlencode() if filters else "",
        }
        return render(request, self.template_name, context)


INSTITUTION_FIELDS = ["fiscal_year", "status", "scope1_t", "scope2_t", "scope3_t", "scope1_2_t", "target_path_t",
                      "energy_gj", "renewable_share_pct", "floor_area_m2", "headcount", "kg_per_m2", "t_per_person"]


def _report_row(report: YearlyReport, commitment: Commitment | None) -> dict:
    emissions = report.emissions
    return {
        "fiscal_year": report.fiscal_year, "status": report.status, "scope1_t": _decimal(report.scope1),
        "scope2_t": _decimal(report.scope2), "scope3_t": _decimal(report.scope3), "scope1_2_t": _decimal(emissions),
        "target_path_t": _decimal(commitment.path_at(report.fiscal_year)) if commitment else None,
        "energy_gj": _decimal(report.energy_gj), "renewable_share_pct": _decimal(report.renewable_share),
        "floor_area_m2": report.floor_area, "headcount": report.headcount,
        "kg_per_m2": _decimal(emissions * 1000 / report.floor_area, 2),
        "t_per_person": _decimal(emissions / report.headcount, 3),
    }


def institution_figures(institution, user, *, commitment=..., published=None) -> dict:
    """The open-data document of /members/<slug>/progress/?format=json (and of the API): the
    published figures ``user`` may see (none when the commitment is members-only and they are not
    a member)."""
    if commitment is ...:
        commitment = Commitment.objects.filter(institution=institution).first()
        institution.commitment = commitment
    may_see = user.has_perm("progress.view_figures", institution)
    if published is None:
        published = [r for r in (selectors.institution_reports(institution, user=user) if may_see else [])
                     if r.status == YearlyReport.Status.PUBLISHED]
    return {
        "institution": institution.slug, "unit": "t-CO2e", "figures_shown": may_see,
        "commitment": {
            "target_year": commitment.target_year, "baseline_year": commitment.baseline_year,
            "baseline_t": _decimal(commitment.baseline_emissions), "interim_year": commitment.interim_year,
            "interim_reduction_pct": _decimal(commitment.interim_reduction),
        } if commitment and may_see else None,
        "years": [_report_row(r, commitment) for r in published],
    }


class InstitutionProgressView(View):
    """/members/<slug>/progress/: one institution's figures against its target path; ?format=csv|json."""

    template_name = "progress/institution_progress.html"

    def get(self, request, slug):
        institution = institution_visible(request, slug)
        user = request.user
        commitment = Commitment.objects.filter(institution=institution).first()
        institution.commitment = commitment  # the rules ask for it: no second query
        may_see = user.has_perm("progress.view_figures", institution)
        may_manage = user.has_perm("progress.manage_reports", institution)
        reports = selectors.institution_reports(institution, user=user) if may_see else []
        published = [r for r in reports if r.status == YearlyReport.Status.PUBLISHED]
        fmt = request.GET.get("format")
        if fmt in ("csv", "json"):
            if fmt == "csv":
                rows = [_report_row(r, commitment) for r in published]
                return _csv(f"progress-{institution.slug}.csv", INSTITUTION_FIELDS,
                            [[r[f] for f in INSTITUTION_FIELDS] for r in rows])
            return _json(institution_figures(institution, user, commitment=commitment, published=published))
        chart = None
        if may_see and (published or commitment):
            first = min([r.fiscal_year for r in published] + ([commitment.baseline_year] if commitment else []))
            last = max([r.fiscal_year for r in published] + ([commitment.target_year] if commitment else []))
            by_year = {r.fiscal_year: r for r in published}
            years = list(range(first, last + 1))
            chart = charts.bar_chart(
                chart_id="chart-institution",
                title=_("%(name)s: emissions (scope 1 and 2) and the path to its target (t-CO₂e)")
                % {"name": institution.name},
                description=_("Bars are the reported emissions of each fiscal year; the line is the straight path "
                              "from the baseline to the interim target and to zero in the target year. The table "
                              "below gives the same figures."),
                categories=[fiscal_year_label(y) for y in years], unit="t-CO₂e",
                bars=[charts.Series(_("Scope 1"), "chart-s1", [by_year[y].scope1 if y in by_year else None
                                                               for y in years]),
                      charts.Series(_("Scope 2"), "chart-s2", [by_year[y].scope2 if y in by_year else None
                                                               for y in years])],
                line=charts.Series(_("Target path"), "chart-line",
                                   [commitment.path_at(y) for y in years]) if commitment else None)
        rows = [(r, _report_row(r, commitment)) for r in reports]
        latest = published[-1] if published else None
        context = {
            "institution": institution, "commitment": commitment, "may_see": may_see, "may_manage": may_manage,
            "rows": rows, "chart": chart, "latest": latest,
            "on_track": (latest.emissions <= commitment.path_at(latest.fiscal_year)) if latest and commitment
            else None,
            "reportable_year": current_fiscal_year() - 1,
            "missing_year": may_manage and not any(r.fiscal_year == current_fiscal_year() - 1 for r in reports),
        }
        return render(request, self.template_name, context)


class _InstitutionManageMixin:
    def setup_institution(self, request, slug):
        self.institution = get_object_or_404(Institution, slug=slug)
        return request.user.has_perm("progress.manage_reports", self.institution)


class ReportFormView(_InstitutionManageMixin, View):
    """A contact (or the secretariat) enters or corrects a yearly report, saves it, or submits it."""

    template_name = "progress/report_form.html"

    def dispatch(self, request, slug, year=None):
        if not self.setup_institution(request, slug):
            return refuse(request)
        self.report = None
        if year is not None:
            self.report = get_object_or_404(YearlyReport, institution=self.institution, fiscal_year=year)
        return super().dispatch(request, slug, year)

    def _form(self, data=None):
        initial = {} if self.report else {"fiscal_year": current_fiscal_year() - 1}
        return YearlyReportForm(data, instance=self.report or YearlyReport(), initial=initial,
                                institution=self.institution)

    def get(self, request, slug, year=None):
        return self._render(request, self._form())

    def _render(self, request, form, status=200):
        return render(request, self.template_name, {
            "institution": self.institution, "report": self.report, "form": form,
            "editable": self.report is None or self.report.is_editable}, status=status)

    def post(self, request, slug, year=None):
        if self.report is not None and not self.report.is_editable:
            messages.error(request, _("This report is with the secretariat or published; it cannot be changed now."))
            return redirect("progress:institution-progress", slug=slug)
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        submit = "submit" in request.POST
        data = {k: v for k, v in form.cleaned_data.items() if k != "fiscal_year" or self.report is None}
        try:
            report = services.report_save(institution=self.institution, by=request.user, data=data,
                                          report=self.report, submit=submit)
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self._render(request, form)
        if submit:
            messages.success(request, _("FY%(year)s sent to the secretariat for review.")
                             % {"year": report.fiscal_year})
        else:
            messages.success(request, _("FY%(year)s saved as a draft.") % {"year": report.fiscal_year})
        return redirect("progress:institution-progress", slug=slug)


class CommitmentFormView(_InstitutionManageMixin, View):
    template_name = "progress/commitment_form.html"

    def dispatch(self, request, slug):
        if not self.setup_institution(request, slug):
            return refuse(request)
        self.commitment = Commitment.objects.filter(institution=self.institution).first()
        return super().dispatch(request, slug)

    def get(self, request, slug):
        form = CommitmentForm(instance=self.commitment or Commitment(
            institution=self.institution, target_year=self.institution.target_year or 2050))
        return render(request, self.template_name, {"institution": self.institution, "form": form})

    def post(self, request, slug):
        form = CommitmentForm(request.POST, instance=self.commitment or Commitment(institution=self.institution))
        if form.is_valid():
            try:
                services.commitment_save(institution=self.institution, by=request.user, data={
                    k: form.cleaned_data[k] for k in CommitmentForm.Meta.fields})
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The commitment is saved."))
                return redirect("progress:institution-progress", slug=slug)
        return render(request, self.template_name, {"institution": self.institution, "form": form})


class ReviewListView(View):
    """/secretariat/progress/: reports waiting for review, who has not reported the last fiscal
    year (late once its deadline has passed) and who was returned; the deadline is set here."""

    template_name = "progress/review_list.html"

    def _years(self):
        last = current_fiscal_year() - 1
        return [last, last - 1]

    def _render(self, request, form, status=200):
        year = self._years()[0]
        due_on = selectors.due_date(year)
        returned = list(YearlyReport.objects.filter(status=YearlyReport.Status.RETURNED)
                        .select_related("institution").order_by("-reviewed_at"))
        return render(request, self.template_name, {
            "waiting": selectors.reports_to_review(), "not_reported": selectors.not_reported(year),
            "returned": returned, "year": year, "due_on": due_on, "is_late": timezone.localdate() > due_on,
            "deadline_form": form}, status=status)

    def get(self, request):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        year = self._years()[0]
        return self._render(request, DeadlineForm(years=self._years(), initial={
            "fiscal_year": year, "due_on": selectors.due_date(year)}))

    def post(self, request):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        form = DeadlineForm(request.POST, years=self._years())
        if form.is_valid():
            try:
                services.reporting_year_set(fiscal_year=form.cleaned_data["fiscal_year"],
                                            due_on=form.cleaned_data["due_on"], by=request.user)
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The reports for %(year)s are due on %(date)s.") % {
                    "year": fiscal_year_label(form.cleaned_data["fiscal_year"]),
                    "date": date_format(form.cleaned_data["due_on"], "DATE_FORMAT")})
                return redirect("progress:review-list")
        return self._render(request, form, status=400)


class ReportReviewView(View):
    """/secretariat/progress/<pk>/: the secretariat publishes a submitted report or returns it."""

    template_name = "progress/report_review.html"

    def dispatch(self, request, pk):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        self.report = get_object_or_404(YearlyReport.objects.select_related("institution"), pk=pk)
        return super().dispatch(request, pk)

    def _render(self, request, form):
        previous = YearlyReport.objects.published().filter(
            institution=self.report.institution, fiscal_year=self.report.fiscal_year - 1).first()
        return render(request, self.template_name, {"report": self.report, "form": form, "previous": previous})

    def get(self, request, pk):
        return self._render(request, ReviewForm())

    def post(self, request, pk):
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.report_review(report=self.report, by=request.user,
                                       publish=form.cleaned_data["decision"] == "publish",
                                       comment=form.cleaned_data["comment"])
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The report of %(name)s for FY%(year)s is decided.")
                                 % {"name": self.report.institution.name, "year": self.report.fiscal_year})
                return redirect("progress:review-list")
        return self._render(request, form)


class _InitiativeMixin:
    def get_initiative(self, request, slug):
        initiative = get_object_or_404(Initiative.objects.select_related("institution", "author"), slug=slug)
        if not request.user.has_perm("working_groups.view_initiative", initiative):
            return initiative, refuse(request)
        return initiative, None


class AdoptionCreateView(_InitiativeMixin, View):
    """/initiatives/<slug>/adopt/: staff of another institution record that it adopted the initiative."""

    template_name = "progress/adoption_form.html"

    def dispatch(self, request, slug):
        self.initiative, refusal = self.get_initiative(request, slug)
        if refusal is None and not request.user.has_perm("progress.record_adoption", self.initiative):
            refusal = refuse(request)
        return refusal or super().dispatch(request, slug)

    def _form(self, data=None):
        institutions = [a.institution for a in current_affiliations(self.request.user)]
        return AdoptionForm(data, institutions=institutions, initiative=self.initiative,
                            initial={"year": current_fiscal_year()})

    def get(self, request, slug):
        return render(request, self.template_name, {"initiative": self.initiative, "form": self._form()})

    def post(self, request, slug):
        form = self._form(request.POST)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in ("kind", "year", "changes", "result")}
            try:
                services.adoption_record(initiative=self.initiative, institution=form.cleaned_data["institution"],
                                         by=request.user, data=data)
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("Thank you: the adoption is recorded on this initiative."))
                return redirect(self.initiative.get_absolute_url() + "#adoptions")
        return render(request, self.template_name, {"initiative": self.initiative, "form": form})


class QuestionAskView(_InitiativeMixin, View):
    """POST /initiatives/<slug>/questions/: a member asks the authors a question."""

    template_name = "progress/question_form.html"

    def dispatch(self, request, slug):
        self.initiative, refusal = self.get_initiative(request, slug)
        if refusal is None and not request.user.has_perm("progress.ask_question", self.initiative):
            refusal = refuse(request)
        return refusal or super().dispatch(request, slug)

    def get(self, request, slug):
        return render(request, self.template_name, {"initiative": self.initiative, "form": QuestionForm()})

    def post(self, request, slug):
        form = QuestionForm(request.POST)
        if form.is_valid():
            affiliations = current_affiliations(request.user)
            try:
                question = services.question_ask(
                    initiative=self.initiative, by=request.user, body=form.cleaned_data["body"],
                    institution=affiliations[0].institution if affiliations else None)
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("Your question is sent to the authors."))
                return redirect(question.get_absolute_url())
        return render(request, self.template_name, {"initiative": self.initiative, "form": form})


class QuestionAnswerView(View):
    """/initiatives/<slug>/questions/<pk>/answer/: the author or a contact answers."""

    template_name = "progress/answer_form.html"

    def dispatch(self, request, slug, pk):
        self.question = get_object_or_404(Question.objects.select_related("initiative__institution"),
                                          pk=pk, initiative__slug=slug)
        if not request.user.has_perm("progress.answer_question", self.question):
            return refuse(request)
        return super().dispatch(request, slug, pk)

    def _render(self, request, form):
        return render(request, self.template_name, {"question": self.question,
                                                    "initiative": self.question.initiative, "form": form})

    def get(self, request, slug, pk):
        return self._render(request, AnswerForm(initial={"answer": self.question.answer,
                                                         "is_public": self.question.is_public}))

    def post(self, request, slug, pk):
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                question = services.question_answer(question=self.question, by=request.user,
                                                    answer=form.cleaned_data["answer"],
                                                    is_public=form.cleaned_data["is_public"])
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("Your answer is saved and the asker is told."))
                return redirect(question.get_absolute_url())
        return self._render(request, form)


class ReportUploadView(_InstitutionManageMixin, View):
    """/members/<slug>/progress/reports/upload/: yearly reports from a CSV file, checked first (a dry
    run), then imported as drafts; ``?template=1`` gives the template."""

    template_name = "progress/report_upload.html"

    def dispatch(self, request, slug):
        if not self.setup_institution(request, slug):
            return refuse(request)
        return super().dispatch(request, slug)

    def get(self, request, slug):
        if request.GET.get("template"):
            example = [current_fiscal_year() - 1, "1200.5", "3400", "", "65000", "18.5", "120000", "9000",
                       "", "", ""]
            return _csv(f"yearly-reports-{slug}.csv", services.UPLOAD_COLUMNS, [example])
        return self._render(request, UploadForm())

    def _render(self, request, form, result=None):
        return render(request, self.template_name, {"institution": self.institution, "form": form,
                                                    "result": result, "columns": services.UPLOAD_COLUMNS})

    def post(self, request, slug):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form)
        dry_run = "import" not in request.POST
        try:
            result = services.reports_upload(institution=self.institution, by=request.user,
                                             data=form.cleaned_data["file"].read(), dry_run=dry_run)
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self._render(request, form)
        if dry_run or not result.ok:
            return self._render(request, form, result)
        messages.success(request, _("Imported as drafts: %(created)s new, %(updated)s changed, %(unchanged)s "
                                    "unchanged. Submit each year when it is final.")
                         % {"created": len(result.created), "updated": len(result.updated),
                            "unchanged": len(result.unchanged)})
        return redirect("progress:institution-progress", slug=slug)
