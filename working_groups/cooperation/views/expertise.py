"""One expertise entry: its page, writing one (staff of a member) and editing it (its author, the
institution's contacts, the secretariat)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from members.access import form_errors_to_form, refuse
from members.rules import current_affiliations

from .. import services
from ..forms import ExpertiseForm
from ..models import Expertise


class ExpertiseDetailView(View):
    def get(self, request, pk):
        entry = get_object_or_404(Expertise.objects.select_related("institution", "contact"), pk=pk)
        if not request.user.has_perm("cooperation.view_expertise", entry):
            return refuse(request)
        return render(request, "cooperation/expertise_detail.html", {
            "entry": entry, "themes": list(entry.themes.all()),
            "can_edit": request.user.has_perm("cooperation.edit_expertise", entry),
            # the contact person's address only for members (never to visitors or crawlers)
            "show_contact": request.user.has_perm("cooperation.see_members_only_expertise"),
        })


def _data(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.EXPERTISE_FIELDS if name in form.cleaned_data}


class ExpertiseCreateView(LoginRequiredMixin, FormView):
    """/expertise/new/: staff of a member describe what their lab or office offers."""

    template_name = "cooperation/expertise_form.html"
    form_class = ExpertiseForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("cooperation.create_expertise"):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["institutions"] = [a.institution for a in current_affiliations(self.request.user)]
        return kwargs

    def form_valid(self, form):
        try:
            entry = services.expertise_save(
                by=self.request.user, data=_data(form), themes=form.cleaned_data["themes"],
                prefectures=form.cleaned_data["prefecture_list"], languages=form.cleaned_data["language_list"],
                institution=form.cleaned_data["institution"])
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your expertise is listed."))
        return redirect(entry.get_absolute_url())


class ExpertiseEditView(FormView):
    template_name = "cooperation/expertise_form.html"
    form_class = ExpertiseForm

    def dispatch(self, request, *args, **kwargs):
        self.entry = get_object_or_404(Expertise.objects.select_related("institution"), pk=kwargs["pk"])
        if not request.user.has_perm("cooperation.edit_expertise", self.entry):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.entry
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["entry"] = self.entry
        return ctx

    def form_valid(self, form):
        try:
            entry = services.expertise_save(
                by=self.request.user, data=_data(form), themes=form.cleaned_data["themes"],
                prefectures=form.cleaned_data["prefecture_list"], languages=form.cleaned_data["language_list"],
                contact=form.cleaned_data["contact"], entry=self.entry)
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your changes are saved."))
        return redirect(entry.get_absolute_url())
