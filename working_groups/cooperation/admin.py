"""The secretariat's admin of partners and a read view of needs, expertise and offers of help.

Partners have no page of their own to edit them: the admin is where the secretariat links a partner
to its member institution and corrects its profile, and it saves through the service
(``partner_admin_save``: validated, an audit entry naming the fields). Needs, expertise and offers of
help have their workflow on the portal's pages (review queue, need page, expertise form), whose
services record each step and write the e-mails; the admin shows them only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.admin_site import SecretariatAdmin, ServiceWritesAdmin

from .models import Expertise, Interest, Need, Partner
from .services import PARTNER_FIELDS, partner_admin_save


@admin.register(Partner)
class PartnerAdmin(SecretariatAdmin):
    list_display = ["slug", "name_ja", "name_en", "kind", "prefecture", "municipality_code", "institution"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["slug", "name_ja", "name_en"]
    raw_id_fields = ["institution", "initiatives"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # the address name is chosen once (links and the API use it)
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in PARTNER_FIELDS}
        if not change:
            data["slug"] = form.cleaned_data.get("slug", "")
        initiatives = form.cleaned_data["initiatives"] if "initiatives" in form.changed_data else None
        saved = partner_admin_save(partner=obj if change else None, by=request.user, data=data,
                                   initiatives=initiatives)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """The initiatives were set by the service (form.save_m2m would set them again, unrecorded)."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Need)
class NeedAdmin(ServiceWritesAdmin):
    instead = _("Needs are published, returned with a question, declined, marked matched or closed from the "
                "secretariat's review queue (/needs/review/) and the need's page, which record each step and "
                "write to the submitter.")
    list_display = ["title", "organisation", "status", "help_kind", "prefecture", "published_at"]
    list_filter = ["status", "help_kind"]
    search_fields = ["title", "title_translated", "organisation", "contact_email"]
    raw_id_fields = ["partner", "initiative", "reviewed_by"]


@admin.register(Expertise)
class ExpertiseAdmin(ServiceWritesAdmin):
    instead = _("Expertise is written by its institution's staff at /expertise/new/ and changed on its edit "
                "page, which records each change.")
    list_display = ["title", "institution", "visibility", "nationwide", "created_at"]
    list_filter = ["visibility", "nationwide"]
    search_fields = ["title", "title_translated", "keywords", "institution__name_ja"]
    raw_id_fields = ["institution", "author", "contact"]


@admin.register(Interest)
class InterestAdmin(ServiceWritesAdmin):
    instead = _("Offers of help are made on the need's page and introduced from there by the secretariat, "
                "which records it and writes to both sides.")
    list_display = ["need", "institution", "user", "created_at", "introduced_at"]
    search_fields = ["need__title", "institution__name_ja", "user__email"]
    raw_id_fields = ["need", "institution", "user", "introduced_by"]
