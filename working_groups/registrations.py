"""What this app adds to the members layer's pages and flows, through its registries
(members/extensions.py): the directory's ``wg`` filter, the groups on a profile, the groups an
applicant can name and what becomes of them on approval."""

import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from members import extensions

from .models import Participation, WorkingGroup
from .rules import memberships
from .selectors import groups_to_coordinate, initiative_drafts_of, latest_initiatives
from .services import participation_request, user_withdraw_from_groups


def _theme_choices():
    return [(g.slug, g.name) for g in WorkingGroup.objects.themes().active().order_by("order", "slug")]


def _wg_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Working group"),
        queryset=WorkingGroup.objects.themes().active().order_by("order", "slug"),
        to_field_name="slug",
        method=_filter_wg,
    )


def _filter_wg(queryset, name, value):
    return queryset.filter(
        group_participations__group=value, group_participations__status=Participation.Status.ACTIVE
    ).distinct()


def _wg_counts(queryset):
    rows = (
        Participation.objects.active()
        .filter(institution__in=queryset.values("pk"))
        .values_list("group__slug")
        .annotate(n=Count("institution", distinct=True))
    )
    return dict(rows)


def _profile_groups(request, institution):
    participations = list(
        Participation.objects.active()
        .filter(institution=institution, group__status=WorkingGroup.Status.ACTIVE)
        .select_related("group")
        .order_by("group__order")
    )
    coordinated = set(institution.coordinated_groups.values_list("pk", flat=True))
    return {
        "institution": institution,
        "groups": [{"group": p.group, "coordinator": p.group_id in coordinated} for p in participations],
    }


def _profile_initiatives(request, institution):
    return {"institution": institution, "initiatives": latest_initiatives(request.user, institution=institution,
                                                                          limit=6)}


def _account_groups(request):
    """On /account/: my groups, my drafts, and the groups I coordinate."""
    user = request.user
    return {
        "memberships": memberships(user),
        "drafts": list(initiative_drafts_of(user)[:10]),
        "coordinating": groups_to_coordinate(user),
        "can_create": user.has_perm("working_groups.create_initiative"),
    }


def _people_groups(request, institution):
    """On an institution's people page: a link to its choice of groups."""
    return {"institution": institution}


def _application_approved(*, application, institution, by):
    message = _("Named in the membership application %(ref)s.") % {"ref": application.reference}
    for group in WorkingGroup.objects.themes().active().filter(slug__in=application.intended_groups or []):
        participation_request(institution=institution, group=group, by=by, message=message)


def register():
    extensions.register_directory_filter("wg", _wg_filter, counts=_wg_counts)
    extensions.register_section(
        "institution_profile",
        extensions.Section("working-groups", "working_groups/includes/_profile_groups.html", _profile_groups, 10),
    )
    extensions.register_section(
        "institution_profile",
        extensions.Section(
            "initiatives", "working_groups/includes/_profile_initiatives.html", _profile_initiatives, 20
        ),
    )
    extensions.register_section(
        "account", extensions.Section("groups", "working_groups/includes/_account_groups.html", _account_groups, 10)
    )
    extensions.register_section(
        "institution_people",
        extensions.Section("groups", "working_groups/includes/_people_groups.html", _people_groups, 10),
    )
    extensions.register_application_choices(_theme_choices)
    extensions.register_application_hook(_application_approved)

    extensions.register_anonymise_hook(user_withdraw_from_groups)
