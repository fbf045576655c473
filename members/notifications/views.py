"""Notification settings, one-click unsubscribe, and the secretariat's outbox."""

import django_filters
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, ListView

from ..access import SecretariatRequiredMixin, safe_next
from ..models import User
from . import registry
from .forms import NotificationSettingsForm
from .models import Notification, NotificationPreference
from .services import notification_resend, preference_set, unsubscribe
from .tokens import read_token


class NotificationSettingsView(LoginRequiredMixin, FormView):
    template_name = "members/notification_settings.html"
    form_class = NotificationSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["current"] = dict(
            NotificationPreference.objects.filter(user=self.request.user).values_list("kind", "delivery")
        )
        return kwargs

    def form_valid(self, form):
        with transaction.atomic():
            for kind, delivery in form.changed_choices().items():
                preference_set(user=self.request.user, kind=kind, delivery=delivery)
        messages.success(self.request, _("Your e-mail settings are saved."))
        return redirect("members:notification-settings")


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """The link in every message (GET shows a button, POST turns the kind off) and the RFC 8058
    one-click POST that mail programs send. The signed token is the authorisation, so no sign-in
    and no CSRF token are needed; a forged or expired token changes nothing and says so."""

    template_name = "members/unsubscribe.html"

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
            user = User.objects.filter(pk=payload["u"], is_active=True).first()
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


class OutboxFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=Notification.Status.choices)
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind"), choices=lambda: [(k.key, k.label) for k in registry.all_kinds()]
    )
    email = django_filters.CharFilter(label=gettext_lazy("Recipient"), lookup_expr="icontains")

    class Meta:
        model = Notification
        fields = ["status", "kind", "email"]


class OutboxView(SecretariatRequiredMixin, ListView):
    template_name = "members/outbox.html"
    paginate_by = 50

    def get_queryset(self):
        self.filterset = OutboxFilter(self.request.GET, queryset=Notification.objects.select_related("recipient"))
        return self.filterset.qs if self.filterset.is_valid() else Notification.objects.none()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["filter"] = self.filterset
        ctx["kinds"] = {k.key: k.label for k in registry.all_kinds()}
        return ctx


class OutboxResendView(SecretariatRequiredMixin, View):
    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk)
        if notification.status not in (Notification.Status.FAILED, Notification.Status.SKIPPED):
            raise Http404
        notification_resend(notification=notification, by=request.user)
        messages.success(request, _("The message is queued again."))
        return redirect(safe_next(request, "members:outbox"))
