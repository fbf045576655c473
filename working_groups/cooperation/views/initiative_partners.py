"""/initiatives/<slug>/partners/: an initiative's editors link partner records to it by searching
the partner directory, unlink them, or create the partner when none fits. Plain forms and links:
it works without JavaScript (a search is a GET, each change a POST answered by a redirect)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from members.access import form_errors_to_form, refuse
from members.fields import row_id
from working_groups.models import Initiative

from .. import services
from ..forms import PartnerCreateForm, PartnerSearchForm
from ..models import Partner

RESULTS = 20


class InitiativePartnersView(View):
    template_name = "cooperation/initiative_partners.html"

    def dispatch(self, request, slug):
        self.initiative = get_object_or_404(Initiative.objects.select_related("institution"), slug=slug)
        if not request.user.has_perm("working_groups.edit_initiative", self.initiative):
            return refuse(request)
        return super().dispatch(request, slug)

    def _render(self, request, create_form, status=200):
        search = PartnerSearchForm(request.GET or None)
        linked = list(self.initiative.partner_records.order_by("name_ja", "pk"))
        results = None
        if search.is_valid() and search.cleaned_data["q"]:
            results = list(Partner.objects.search(search.cleaned_data["q"]).exclude(
                pk__in=[p.pk for p in linked]).order_by("name_ja", "pk")[:RESULTS])
        return render(request, self.template_name, {
            "initiative": self.initiative, "linked": linked, "search": search, "results": results,
            "limit": RESULTS, "create_form": create_form}, status=status)

    def get(self, request, slug):
        return self._render(request, PartnerCreateForm(initial={"prefecture": self.initiative.prefecture}))

    def post(self, request, slug):
        action = request.POST.get("action")
        create_form = PartnerCreateForm(initial={"prefecture": self.initiative.prefecture})
        if action in ("link", "unlink"):
            pk = row_id(request.POST.get("partner"))
            partner = Partner.objects.filter(pk=pk).first() if pk is not None else None
            if partner is None:
                messages.error(request, _("That partner does not exist (any more)."))
                return redirect(request.get_full_path())
            services.initiative_partners_change(initiative=self.initiative, by=request.user,
                                                **{action: partner})
            messages.success(request, (_("%(name)s is linked to this initiative.") if action == "link"
                                       else _("%(name)s is no longer linked to this initiative."))
                             % {"name": partner.name})
            return redirect(request.get_full_path())
        if action == "create":
            create_form = PartnerCreateForm(request.POST)
            if create_form.is_valid():
                try:
                    partner = services.initiative_partners_change(
                        initiative=self.initiative, by=request.user, create=create_form.cleaned_data)
                except ValidationError as exc:
                    form_errors_to_form(create_form, exc)
                else:
                    messages.success(request, _("%(name)s is added to the partner directory and linked to this "
                                                "initiative.") % {"name": partner.name})
                    return redirect(request.path)
            return self._render(request, create_form, status=400)
        messages.error(request, _("Choose what to do."))
        return redirect(request.get_full_path())
