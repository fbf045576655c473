"""Views of the members app."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView

from .access import SecretariatRequiredMixin
from .models import Affiliation, Institution


class InstitutionListView(ListView):
    template_name = "members/institution_list.html"
    paginate_by = 30

    def get_queryset(self):
        return Institution.objects.active()


class InstitutionDetailView(DetailView):
    template_name = "members/institution_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(Institution.objects.active(), slug=self.kwargs["slug"])


class ApplicationCreateView(TemplateView):
    template_name = "members/application_form.html"


class AccountView(LoginRequiredMixin, TemplateView):
    template_name = "members/account.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["affiliations"] = Affiliation.objects.filter(user=self.request.user).select_related("institution")
        return ctx


class SecretariatView(SecretariatRequiredMixin, TemplateView):
    template_name = "members/secretariat.html"
