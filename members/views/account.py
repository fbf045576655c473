"""A person's own account: their profile and affiliations, asking to belong, deciding requests."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView

from .. import extensions, selectors
from ..access import form_errors_to_form, refuse, safe_next
from ..forms import AccessTokenForm, AccountForm, AffiliationRequestForm, DecisionForm, EndForm, RoleForm
from ..models import AccessToken, Affiliation
from ..rules import is_secretariat, prime_affiliations
from ..services import affiliations as affiliation_services
from ..services import tokens as token_services


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
        ctx["tokens"] = list(AccessToken.objects.filter(user=user)[:50])
        ctx["token_form"] = kwargs.get("token_form") or AccessTokenForm()
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
            affiliation = affiliation_services.affiliation_request(user=self.request.user, **form.cleaned_data)
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
                affiliation_services.affiliation_decide(affiliation=affiliation, by=request.user, approve=approve,
                                            reason=form.cleaned_data["reason"],
                                            role=form.cleaned_data["role"] or Affiliation.Role.STAFF)
                done = _("%(name)s is approved.") if approve else _("The request of %(name)s is refused.")
            elif self.action == "role":
                form = RoleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a role."))
                affiliation_services.affiliation_set_role(affiliation=affiliation, by=request.user,
                                                          role=form.cleaned_data["role"])
                done = _("The role of %(name)s is changed.")
            else:
                form = EndForm(request.POST)
                if not form.is_valid():
                    raise form.refusal()
                affiliation_services.affiliation_end(affiliation=affiliation, by=request.user,
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


@method_decorator(never_cache, name="dispatch")
class AccessTokenCreateView(LoginRequiredMixin, View):
    """POST: a new API token, shown once on the page this answers with (never stored, never
    redirected to: a reload cannot show it again)."""

    def post(self, request):
        form = AccessTokenForm(request.POST)
        if form.is_valid():
            try:
                token, raw = token_services.token_create(user=request.user, name=form.cleaned_data["name"],
                                                         days=form.cleaned_data["days"])
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                return render(request, "members/token_created.html", {"token": token, "raw": raw})
        messages.error(request, _("The token was not created: see below."))
        view = AccountView()
        view.setup(request)
        return render(request, AccountView.template_name, view.get_context_data(
            form=AccountForm(instance=request.user), token_form=form), status=400)


class AccessTokenRevokeView(LoginRequiredMixin, View):
    """POST: revoke one of one's own tokens (someone else's is a 404)."""

    def post(self, request, pk):
        token = get_object_or_404(AccessToken, pk=pk, user=request.user)
        token_services.token_revoke(token=token, by=request.user)
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
        return redirect(reverse("members:account") + "#tokens")
