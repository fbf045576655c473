"""What cooperation adds to pages of the lower layers (members.extensions): an institution's
profile shows the expertise it offers and the needs it took up; an initiative's page its partner
records, with the picker for its editors."""

from django.utils.translation import gettext_lazy as _

from members import extensions
from members.audit.labels import register as register_audit_labels

from .models import Need
from .selectors import expertise_listed_for


def _profile(request, institution=None, **objects):
    if institution is None:
        return None
    expertise = list(expertise_listed_for(request.user).filter(institution=institution)
                     .order_by("-created_at", "-id")
                     .only("pk", "title", "title_translated", "language", "institution_id")[:6])
    needs = list(Need.objects.listed().filter(interests__institution=institution,
                                              interests__introduced_at__isnull=False)
                 .distinct().order_by("-published_at", "-id")
                 .only("pk", "title", "title_translated", "language", "status")[:6])
    if not expertise and not needs:
        return None
    return {"institution": institution, "expertise": expertise, "needs": needs}


def _initiative(request, initiative=None, **objects):
    """The partner records linked to an initiative (one query), and for its editors the picker."""
    if initiative is None:
        return None
    partners = list(initiative.partner_records.order_by("name_ja", "pk"))
    can_edit = request.user.has_perm("working_groups.edit_initiative", initiative)
    if not partners and not can_edit:
        return None
    return {"initiative": initiative, "partners": partners, "can_edit": can_edit}


def register():
    register_audit_labels({
        "partner.create": _("added a partner record"),
        "partner.update": _("edited a partner record"),
    })
    extensions.register_section("initiative_detail", extensions.Section(
        "cooperation", "cooperation/includes/_initiative_partners.html", _initiative, 20))
    extensions.register_section("institution_profile", extensions.Section(
        "cooperation", "cooperation/includes/_profile_cooperation.html", _profile, 30))
