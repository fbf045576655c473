"""What cooperation adds to pages of the members app (members.extensions): an institution's
profile shows the expertise it offers and the needs it took up."""

from members import extensions

from .models import Need
from .selectors import expertise_listed_for


def _profile(request, institution=None, **objects):
    if institution is None:
        return None
    expertise = list(expertise_listed_for(request.user).filter(institution=institution)
                     .order_by("-created_at", "-id").only("pk", "title", "institution_id")[:6])
    needs = list(Need.objects.listed().filter(interests__institution=institution,
                                              interests__introduced_at__isnull=False)
                 .distinct().order_by("-published_at", "-id").only("pk", "title", "status")[:6])
    if not expertise and not needs:
        return None
    return {"institution": institution, "expertise": expertise, "needs": needs}


def register():
    extensions.register_section("institution_profile", extensions.Section(
        "cooperation", "cooperation/includes/_profile_cooperation.html", _profile, 30))
