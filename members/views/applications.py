"""Membership applications: the public form, the signed link to correct one, the secretariat's review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from .. import extensions, selectors
from ..access import SecretariatRequiredMixin, form_errors_to_form, rate_limited, secretariat_gate
from ..forms import ApplicationDecisionForm, ApplicationForm
from ..i18n import current_language
from ..models import MembershipApplication
from ..regions import PREFECTURES_BY_CODE
from ..services import applications as application_services
from ..tokens import read_application_token


def _sent(request, application):
    """The confirmation page, which shows the reference and the address the receipt went to."""
    request.session["application_reference"] = application.reference
    request.session["application_email"] = application.applicant_email
    return redirect("members:apply-done")


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
            application = application_services.application_submit(application=form.save(commit=False),
                                                                  language=current_language())
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        return _sent(self.request, application)


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
            application = application_services.application_resubmit(application=form.save(commit=False),
                                                                    language=current_language())
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        return _sent(self.request, application)


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
        ctx["duplicate"] = selectors.duplicate_of(
            name_ja=self.application.name_ja, name_en=self.application.name_en,
            exclude_application=self.application) if self.application.is_open else None
        return ctx

    def form_valid(self, form):
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        try:
            if decision == "approve":
                institution = application_services.application_approve(application=self.application,
                                                                       by=self.request.user)
                messages.success(self.request, _("%(name)s is now a member.") % {"name": institution.name})
            elif decision == "return":
                application_services.application_return(application=self.application, by=self.request.user,
                                                         reason=reason)
                messages.success(self.request, _("The application was returned to the applicant."))
            else:
                application_services.application_reject(application=self.application, by=self.request.user,
                                                         reason=reason)
                messages.success(self.request, _("The application was rejected."))
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        return redirect("members:secretariat")
