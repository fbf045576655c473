"""The notification kinds of the working-groups app (registered in its AppConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.notifications.registry import (
    CONTACT,
    COORDINATOR,
    STAFF,
    Kind,
    Obsolete,
    register,
    register_audience_resolver,
    target_of,
)
from members.notifications.rendering import absolute

from .rules import coordinated_group_ids


def _membership(notification):
    membership = target_of(notification)
    group = membership.group
    return {
        "membership": membership,
        "group": group,
        "group_url": absolute(group.get_absolute_url()),
        "manage_url": absolute(reverse("working_groups:group-manage", kwargs={"slug": group.slug})),
    }


def _coordinator(notification):
    context = _membership(notification)
    membership = context["membership"]
    # Named and then unnamed before the first mail went out: only the last change is told.
    if membership.coordinator != notification.context.get("named") or membership.status != membership.Status.ACTIVE:
        raise Obsolete("the coordinator role changed again")
    return context


def _participation(notification):
    participation = target_of(notification)
    group = participation.group
    return {
        "participation": participation,
        "group": group,
        "institution": participation.institution,
        "group_url": absolute(group.get_absolute_url()),
        "manage_url": absolute(reverse("working_groups:group-manage", kwargs={"slug": group.slug})),
    }


def _initiative(notification):
    initiative = target_of(notification)
    if notification.kind == "initiative_published" and initiative.status != initiative.Status.PUBLISHED:
        raise Obsolete("no longer published")
    return {
        "initiative": initiative,
        "initiative_url": absolute(initiative.get_absolute_url()),
        "edit_url": absolute(reverse("working_groups:initiative-edit", kwargs={"slug": initiative.slug})),
        "themes": list(initiative.themes.all()),
    }


FOR_CONTACT = frozenset({CONTACT})
FOR_COORDINATOR = frozenset({COORDINATOR})
FOR_STAFF = frozenset({STAFF})


KINDS = [
    Kind(key="group_join_requested", label=_("Requests to join your working group"),
         description=_("Someone asks to join a group your institution coordinates."),
         template="working_groups/email/group_join_requested", context=_membership, order=30, audience=FOR_COORDINATOR),
    Kind(key="group_join_decided", label=_("Answers to your requests to join a working group"),
         description=_("Your request to join a working group was approved or refused."),
         template="working_groups/email/group_join_decided", context=_membership, order=31, audience=FOR_STAFF),
    Kind(key="group_member_removed", label=_("Removed from a working group"),
         description=_("A coordinator removed you from a working group."),
         template="working_groups/email/group_member_removed", context=_membership, digestible=False, order=32,
         audience=FOR_STAFF),
    Kind(key="group_coordinator_named", label=_("Named coordinator of a working group"),
         description=_("You were named a coordinator of a working group, or are no longer one."),
         template="working_groups/email/group_coordinator_named", context=_coordinator, digestible=False,
         order=32, audience=FOR_STAFF),
    Kind(key="group_participation_requested", label=_("Institutions asking to take part in your group"),
         description=_("An institution asks to take part in a group your institution coordinates."),
         template="working_groups/email/group_participation_requested", context=_participation, order=33,
         audience=FOR_COORDINATOR),
    Kind(key="group_participation_decided", label=_("Your institution's group participation decided"),
         description=_("A request of your institution to take part in a group was approved or refused."),
         template="working_groups/email/group_participation_decided", context=_participation, order=34,
         audience=FOR_CONTACT),
    Kind(key="initiative_published", label=_("New initiatives in my working groups"),
         description=_("An initiative is published under a theme of a group you belong to."),
         template="working_groups/email/initiative_published", context=_initiative, default="never", order=40,
         audience=FOR_STAFF),
    Kind(key="initiative_unpublished", label=_("Initiative taken back by the secretariat"),
         description=_("The secretariat unpublished an initiative of your institution."),
         template="working_groups/email/initiative_unpublished", context=_initiative, digestible=False, order=41,
         audience=FOR_STAFF),
]


def _audiences(user) -> set[str]:
    """A named coordinator of a group hears of its requests (and reviews needs in its theme)."""
    return {COORDINATOR} if user.is_authenticated and coordinated_group_ids(user) else set()


def register_all():
    for kind in KINDS:
        register(kind)
    register_audience_resolver(_audiences)
