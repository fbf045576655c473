"""The secretariat's work queue and member management."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from .. import selectors
from ..access import SecretariatRequiredMixin, form_errors_to_form, safe_next, secretariat_gate
from ..filters import OutboxFilter
from ..forms import ImportForm, StatusForm
from ..models import Institution
from ..notifications import registry
from ..notifications.models import Notification
from ..notifications.rendering import preview
from ..notifications.services import notification_resend
from ..services import institutions as institution_services
from ..services.imports import IMPORT_COLUMNS, institutions_import


class SecretariatView(SecretariatRequiredMixin, TemplateView):
    template_name = "members/secretariat.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(selectors.secretariat_queue())
        ctx["statuses"] = Institution.Status.choices
        return ctx


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
            institution = institution_services.institution_set_status(
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
            report = institutions_import(data=form.cleaned_data["file"].read(), by=self.request.user)
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


class OutboxView(SecretariatRequiredMixin, ListView):
    """Every message the portal sent or will send, with its state; failed ones can be resent."""

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


class OutboxMessageView(SecretariatRequiredMixin, DetailView):
    """One message of the outbox: its state, and its subject and body as the recipient reads them
    (rendered now, in the recipient's language, without the recipient's personal links)."""

    model = Notification
    template_name = "members/outbox_message.html"
    context_object_name = "message"

    def get_queryset(self):
        return Notification.objects.select_related("recipient")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["preview"] = preview(self.object)
        try:
            ctx["kind_label"] = registry.get(self.object.kind).label
        except LookupError:
            ctx["kind_label"] = self.object.kind
        return ctx


class OutboxResendView(SecretariatRequiredMixin, View):
    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk)
        if notification.status not in (Notification.Status.FAILED, Notification.Status.SKIPPED):
            raise Http404
        notification_resend(notification=notification, by=request.user)
        messages.success(request, _("The message is queued again."))
        return redirect(safe_next(request, "members:outbox"))
