"""An institution's pages for its contacts (and the secretariat): profile, people, history."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from .. import extensions, selectors
from ..access import form_errors_to_form, refuse
from ..forms import InstitutionForm
from ..models import Affiliation, Institution
from ..services import institutions as institution_services
from ..services.institutions import PROFILE_FIELDS


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
        data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
        if form.cleaned_data.get("remove_logo") and not self.request.FILES.get("logo"):
            data["logo"] = ""
        try:
            institution_services.institution_update(institution=self.institution, by=self.request.user, data=data,
                                                    email_domains=form.cleaned_data["email_domains"])
        except ValidationError as exc:  # e.g. a target year the institution's commitment cannot take
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
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
