"""A person's e-mail settings and the one-click unsubscribe link every message carries."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView

from . import registry
from .forms import NotificationSettingsForm
from .models import Delivery, NotificationPreference
from .services import preference_set, unsubscribe
from .tokens import read_token

# The table's column headers: short, so that three columns leave room for the kinds at 390 px (each
# radio button's own label says the choice in full).
COLUMNS = [(Delivery.IMMEDIATE, pgettext_lazy("e-mail settings column", "At once")),
           (Delivery.DIGEST, pgettext_lazy("e-mail settings column", "Weekly digest")),
           (Delivery.NEVER, pgettext_lazy("e-mail settings column", "Never"))]


class NotificationSettingsView(LoginRequiredMixin, FormView):
    """/account/notifications/: one table, a row per kind that can reach the person (their roles:
    ``registry.kinds_for``), a radio button per delivery. Saving stores only what changed."""

    template_name = "notifications/settings.html"
    form_class = NotificationSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["current"] = dict(
            NotificationPreference.objects.filter(user=self.request.user).values_list("kind", "delivery")
        )
        kwargs["kinds"] = registry.kinds_for(self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns"] = COLUMNS
        return ctx

    def form_valid(self, form):
        with transaction.atomic():
            for kind, delivery in form.changed_choices().items():
                preference_set(user=self.request.user, kind=kind, delivery=delivery)
        messages.success(self.request, _("Your e-mail settings are saved."))
        return redirect("notifications:settings")


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """The link in every message (GET shows a button, POST turns the kind off) and the RFC 8058
    one-click POST that mail programs send. The signed token is the authorisation, so no sign-in
    and no CSRF token are needed; a forged or expired token changes nothing and says so."""

    template_name = "notifications/unsubscribe.html"

    def _resolve(self, token):
        payload = read_token(token)
        if payload is None:
            return None
        try:
            kind = registry.get(payload["k"])
        except LookupError:
            return None
        if not kind.choosable:
            return None
        user = None
        if payload.get("u"):
            user = get_user_model().objects.filter(pk=payload["u"], is_active=True).first()
            if user is None:
                return None
        elif not payload.get("e"):
            return None
        return {"kind": kind, "user": user, "email": payload.get("e", "")}

    def get(self, request, token):
        target = self._resolve(token)
        if target is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        return render(request, self.template_name, {"target": target, "done": False})

    def post(self, request, token):
        target = self._resolve(token)
        if target is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        unsubscribe(kind=target["kind"].key, user=target["user"], email=target["email"])
        return render(request, self.template_name, {"target": target, "done": True})
