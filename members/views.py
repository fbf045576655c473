"""Views of the members app: the directory, profiles, applications, affiliations, the secretariat."""

import csv
import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from . import extensions, japan_map, selectors, services
from .access import (
    SecretariatRequiredMixin,
    form_errors_to_form,
    rate_limited,
    refuse,
    safe_next,
    secretariat_gate,
)
from .cache import cached_fragment
from .filters import directory, directory_facets
from .forms import (
    AccountForm,
    AffiliationRequestForm,
    ApplicationDecisionForm,
    ApplicationForm,
    DecisionForm,
    EndForm,
    ImportForm,
    InstitutionForm,
    RoleForm,
    StatusForm,
)
from .i18n import current_language
from .models import Affiliation, Institution, MembershipApplication
from .notifications.rendering import absolute
from .pagination import page_of
from .regions import PREFECTURES_BY_CODE, region_counts
from .rules import is_secretariat, prime_affiliations
from .services import IMPORT_COLUMNS
from .spreadsheets import spreadsheet_cell
from .tokens import read_application_token

# ---------------------------------------------------------------------------------------------
# The directory and profiles (public)
# ---------------------------------------------------------------------------------------------

EXPORT_FIELDS = ["slug", "name_ja", "name_en", "name_kana", "kind", "category", "prefecture", "prefecture_name",
                 "region", "website", "joined_on", "target_year", "url"]


def _export_rows(queryset):
    language = current_language()
    for inst in queryset.iterator(chunk_size=2000):
        pref = PREFECTURES_BY_CODE.get(inst.prefecture)
        yield {
            "slug": inst.slug,
            "name_ja": inst.name_ja,
            "name_en": inst.name_en,
            "name_kana": inst.name_kana,
            "kind": inst.kind,
            "category": inst.category,
            "prefecture": inst.prefecture,
            "prefecture_name": (pref.name_en if language == "en" else pref.name_ja) if pref else "",
            "region": pref.region_slug if pref else "",
            "website": inst.website,
            "joined_on": inst.joined_on.isoformat() if inst.joined_on else "",
            "target_year": inst.target_year or "",
            "url": absolute(inst.get_absolute_url()),
        }


class _Echo:
    def write(self, value):
        return value


def export(queryset, fmt: str):
    """The filtered directory, all pages, as open data (CSV in UTF-8 with BOM, or JSON)."""
    queryset = queryset.only(*[f for f in EXPORT_FIELDS if f not in ("prefecture_name", "region", "url")])
    if fmt == "csv":
        writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_FIELDS)

        def lines():
            yield "\ufeff" + writer.writeheader()
            for row in _export_rows(queryset):
                yield writer.writerow({key: spreadsheet_cell(value) for key, value in row.items()})

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="coalition-members.csv"'
        return response
    rows = list(_export_rows(queryset))
    for row in rows:
        row["target_year"] = row["target_year"] or None
        row["joined_on"] = row["joined_on"] or None
    body = json.dumps({"count": len(rows), "results": rows}, ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


class InstitutionListView(View):
    """/members/: filters q, region, prefecture, kind, category, wg; ?page=N; ?format=csv|json."""

    template_name = "members/institution_list.html"
    paginate_by = 24

    def get(self, request):
        data = request.GET
        filterset = directory(data)
        queryset = filterset.qs
        fmt = data.get("format")
        if fmt in ("csv", "json"):
            return export(queryset, fmt)
        page, paginator = page_of(request, queryset, self.paginate_by)
        context = {
            "filter": filterset,
            "page_obj": page,
            "object_list": page.object_list,
            "paginator": paginator,
            "is_filtered": any(data.get(k) for k in filterset.filters),
            "sidebar": self.sidebar(filterset),
            "export_query": data.copy(),
        }
        context["export_query"].pop("page", None)
        context["export_query"].pop("format", None)
        return render(request, self.template_name, context)

    def sidebar(self, filterset) -> dict:
        """The facet selects and the map of Japan for these filters, rendered once per language and
        set of filters until a member or a group changes (the facet counts are cached the same
        way, members.filters.directory_facets): together they were most of the page's work."""
        data = filterset.data

        def render_sidebar():
            facets = directory_facets(data)
            prefecture_counts = facets["prefecture"]
            # The other filters are encoded once; each of the 47 tiles only adds its prefecture.
            rest = data.copy()
            for key in ("page", "region", "format", "prefecture"):
                rest.pop(key, None)
            rest = rest.urlencode()
            prefix = f"?{rest}&prefecture=" if rest else "?prefecture="
            return {
                "filters": render_to_string("members/includes/_directory_filters.html", {
                    "filter": filterset, "facets": {**facets, "region": region_counts(prefecture_counts)}}),
                "map": render_to_string("members/includes/_directory_map.html", {
                    "map_tiles": japan_map.tiles(prefecture_counts, lambda code: prefix + code),
                    "map_legend": japan_map.legend(prefecture_counts),
                    "map_size": (japan_map.WIDTH, japan_map.HEIGHT, japan_map.SIZE),
                    "filter": filterset,
                }),
            }

        params = sorted((k, v) for k, v in data.lists() if k not in ("page", "format"))
        html = cached_fragment("directory-sidebar", ("members", "groups"), (current_language(), *params),
                               render_sidebar)
        return {name: mark_safe(value) for name, value in html.items()}  # noqa: S308 - our own rendering


def institution_visible(request, slug) -> Institution:
    """Active members for everyone; others only for the secretariat and their own people."""
    institution = get_object_or_404(Institution, slug=slug)
    if institution.is_active:
        return institution
    user = request.user
    if is_secretariat(user) or (user.is_authenticated and institution.affiliations.approved().filter(user=user)
                                .exists()):
        return institution
    raise Http404


class InstitutionDetailView(View):
    template_name = "members/institution_detail.html"

    def get(self, request, slug):
        institution = institution_visible(request, slug)
        user = request.user
        context = {
            "institution": institution,
            "object": institution,
            "show_contacts": user.has_perm("members.see_contacts"),
            "can_edit": user.has_perm("members.edit_institution", institution),
            "sections": extensions.render_sections("institution_profile", request, institution=institution),
        }
        if context["show_contacts"]:
            context["contacts"] = selectors.contacts_for(institution)
        return render(request, self.template_name, context)


# ---------------------------------------------------------------------------------------------
# Membership applications (public, then the secretariat)
# ---------------------------------------------------------------------------------------------


class ApplicationCreateView(FormView):
    template_name = "members/application_form.html"
    form_class = ApplicationForm

    def form_valid(self, form):
        if form.is_spam:
            # Tell a bot nothing: it sees the usual confirmation, nothing is saved or sent.
            self.request.session["application_reference"] = ""
            return redirect("members:apply-done")
        if rate_limited(self.request, "apply", limit=5, period=3600):
            form.add_error(None, _("Too many applications from your network in the last hour. Please try later."))
            return self.form_invalid(form)
        try:
            application = services.application_submit(application=form.save(commit=False),
                                                      language=current_language())
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        self.request.session["application_reference"] = application.reference
        self.request.session["application_email"] = application.applicant_email
        return redirect("members:apply-done")


class ApplicationDoneView(TemplateView):
    template_name = "members/application_done.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["reference"] = self.request.session.get("application_reference", "")
        ctx["email"] = self.request.session.get("application_email", "")
        return ctx


class ApplicationEditView(FormView):
    """A returned application, corrected through the signed link in the e-mail and sent again."""

    template_name = "members/application_form.html"
    form_class = ApplicationForm

    def dispatch(self, request, *args, **kwargs):
        self.application = read_application_token(kwargs["token"])
        if self.application is None or self.application.status != MembershipApplication.Status.RETURNED:
            return render(request, "members/application_link_invalid.html", status=400)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.application
        kwargs.setdefault("initial", {})["consent"] = False
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["returned"] = self.application
        return ctx

    def form_valid(self, form):
        try:
            application = services.application_resubmit(application=form.save(commit=False),
                                                        language=current_language())
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        self.request.session["application_reference"] = application.reference
        self.request.session["application_email"] = application.applicant_email
        return redirect("members:apply-done")


class SecretariatView(SecretariatRequiredMixin, TemplateView):
    template_name = "members/secretariat.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(selectors.secretariat_queue())
        ctx["statuses"] = Institution.Status.choices
        ctx["sections"] = extensions.render_sections("secretariat_queue", self.request)
        return ctx


class ApplicationReviewView(SecretariatRequiredMixin, FormView):
    template_name = "members/application_review.html"
    form_class = ApplicationDecisionForm

    def dispatch(self, request, *args, **kwargs):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        self.application = get_object_or_404(MembershipApplication.objects.select_related("institution"),
                                             pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["application"] = self.application
        ctx["groups"] = dict(extensions.application_choices())
        ctx["prefecture"] = PREFECTURES_BY_CODE.get(self.application.prefecture)
        ctx["duplicate"] = services.duplicate_of(
            name_ja=self.application.name_ja, name_en=self.application.name_en,
            exclude_application=self.application) if self.application.is_open else None
        return ctx

    def form_valid(self, form):
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        try:
            if decision == "approve":
                institution = services.application_approve(application=self.application, by=self.request.user)
                messages.success(self.request, _("%(name)s is now a member.") % {"name": institution.name})
            elif decision == "return":
                services.application_return(application=self.application, by=self.request.user, reason=reason)
                messages.success(self.request, _("The application was returned to the applicant."))
            else:
                services.application_reject(application=self.application, by=self.request.user, reason=reason)
                messages.success(self.request, _("The application was rejected."))
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        return redirect("members:secretariat")


# ---------------------------------------------------------------------------------------------
# Account and affiliations (signed in)
# ---------------------------------------------------------------------------------------------


class AccountView(LoginRequiredMixin, FormView):
    template_name = "members/account.html"
    form_class = AccountForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["affiliations"] = list(
            Affiliation.objects.filter(user=user).exclude(status=Affiliation.Status.ENDED)
            .select_related("institution").order_by("-created_at")
        )
        prime_affiliations(user, ctx["affiliations"])
        ctx["to_decide"] = selectors.affiliations_to_decide(user)
        ctx["is_secretariat"] = is_secretariat(user)
        ctx["sections"] = extensions.render_sections("account", self.request)
        return ctx

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Your profile is saved."))
        return redirect("members:account")


class AffiliationRequestView(LoginRequiredMixin, FormView):
    template_name = "members/affiliation_form.html"
    form_class = AffiliationRequestForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("members.request_affiliation"):
            messages.warning(request, _("Verify your e-mail address first: follow the link in the e-mail we sent."))
            return redirect("account_email")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.suggestions = selectors.suggested_institutions(self.request.user)
        kwargs["suggestions"] = self.suggestions
        if self.suggestions and "data" not in kwargs:
            kwargs["initial"] = {"institution": self.suggestions[0].pk}
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["suggestions"] = self.suggestions
        return ctx

    def form_valid(self, form):
        try:
            affiliation = services.affiliation_request(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your request was sent to %(name)s. You will get an e-mail when it is decided.")
            % {"name": affiliation.institution.name},
        )
        return redirect("members:account")


class AffiliationActionView(LoginRequiredMixin, View):
    """POST-only actions on one affiliation: decide, set the role, end. Permission on the object."""

    action = ""

    def post(self, request, pk):
        affiliation = get_object_or_404(Affiliation.objects.select_related("institution", "user"), pk=pk)
        permission = {"decide": "members.decide_affiliation", "role": "members.manage_people",
                      "end": "members.end_affiliation"}[self.action]
        target = affiliation.institution if self.action == "role" else affiliation
        if not request.user.has_perm(permission, target):
            return refuse(request)
        try:
            if self.action == "decide":
                form = DecisionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose approve or refuse."))
                approve = form.cleaned_data["decision"] == "approve"
                services.affiliation_decide(affiliation=affiliation, by=request.user, approve=approve,
                                            reason=form.cleaned_data["reason"],
                                            role=form.cleaned_data["role"] or Affiliation.Role.STAFF)
                done = _("%(name)s is approved.") if approve else _("The request of %(name)s is refused.")
            elif self.action == "role":
                form = RoleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a role."))
                services.affiliation_set_role(affiliation=affiliation, by=request.user, role=form.cleaned_data["role"])
                done = _("The role of %(name)s is changed.")
            else:
                form = EndForm(request.POST)
                if not form.is_valid():
                    raise form.refusal()
                services.affiliation_end(affiliation=affiliation, by=request.user,
                                         reason=form.cleaned_data["reason"])
                done = _("%(name)s no longer belongs to the institution.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done % {"name": affiliation.user.get_full_name()})
        default = "members:account" if affiliation.user_id == request.user.pk and self.action == "end" else None
        if default:
            return redirect(safe_next(request, default))
        return redirect(safe_next(request, "members:institution-people", slug=affiliation.institution.slug))


class InstitutionObjectMixin(LoginRequiredMixin):
    """Loads the institution of the URL and checks ``permission`` on it (404 when refused)."""

    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.institution = get_object_or_404(Institution, slug=kwargs["slug"])
        if not request.user.has_perm(self.permission, self.institution):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["institution"] = self.institution
        return ctx


class InstitutionEditView(InstitutionObjectMixin, FormView):
    template_name = "members/institution_form.html"
    form_class = InstitutionForm
    permission = "members.edit_institution"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.institution
        return kwargs

    def form_valid(self, form):
        services.institution_update(institution=self.institution, by=self.request.user, form=form)
        messages.success(self.request, _("The profile is saved."))
        return redirect(self.institution.get_absolute_url())


class InstitutionPeopleView(InstitutionObjectMixin, TemplateView):
    template_name = "members/institution_people.html"
    permission = "members.manage_people"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(selectors.people_of(self.institution))
        ctx["roles"] = Affiliation.Role.choices
        ctx["sections"] = extensions.render_sections("institution_people", self.request, institution=self.institution)
        return ctx


class InstitutionHistoryView(InstitutionObjectMixin, TemplateView):
    template_name = "members/institution_history.html"
    permission = "members.view_history"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["entries"] = selectors.history_of(self.institution)
        return ctx


# ---------------------------------------------------------------------------------------------
# The secretariat's member management
# ---------------------------------------------------------------------------------------------


class MemberAdminListView(SecretariatRequiredMixin, ListView):
    template_name = "members/member_admin_list.html"
    paginate_by = 50

    def get_queryset(self):
        qs = Institution.objects.order_by("name_kana")
        status = self.request.GET.get("status")
        if status in Institution.Status.values:
            qs = qs.filter(status=status)
        if self.request.GET.get("q"):
            qs = qs.search(self.request.GET["q"])
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["statuses"] = Institution.Status.choices
        ctx["status"] = self.request.GET.get("status", "")
        return ctx


class InstitutionStatusView(SecretariatRequiredMixin, FormView):
    template_name = "members/institution_status.html"
    form_class = StatusForm

    def dispatch(self, request, *args, **kwargs):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        self.institution = get_object_or_404(Institution, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["institution"] = self.institution
        return ctx

    def form_valid(self, form):
        try:
            institution = services.institution_set_status(
                institution=self.institution, by=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The status of %(name)s is now: %(status)s.")
                         % {"name": institution.name, "status": institution.get_status_display()})
        return redirect(reverse("members:member-admin") + f"?status={institution.status}")


class ImportView(SecretariatRequiredMixin, FormView):
    template_name = "members/import.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns"] = IMPORT_COLUMNS
        return ctx

    def form_valid(self, form):
        try:
            report = services.institutions_import(data=form.cleaned_data["file"].read(), by=self.request.user)
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        if not report.ok:
            return self.render_to_response(self.get_context_data(form=form, report=report))
        messages.success(
            self.request,
            _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
        return redirect("members:member-admin")
