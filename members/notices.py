"""The notification kinds of the members app (registered in MembersConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .notifications.registry import CONTACT, SECRETARIAT, STAFF, Kind, register, register_audience_resolver, target_of
from .notifications.rendering import absolute
from .rules import current_affiliations, in_secretariat_group


def _application_context(notification):
    application = target_of(notification)
    return {
        "application": application,
        "review_url": absolute(reverse("members:application-review", kwargs={"pk": application.pk})),
        "apply_url": absolute(reverse("members:apply")),
        "signup_url": absolute(reverse("account_signup")),
        "login_url": absolute(reverse("account_login")),
    }


def _affiliation_context(notification):
    affiliation = target_of(notification)
    return {
        "affiliation": affiliation,
        "institution": affiliation.institution,
        "account_url": absolute(reverse("members:account")),
    }


def _affiliation_request_context(notification):
    context = _affiliation_context(notification)
    slug = context["institution"].slug
    context["people_url"] = absolute(reverse("members:institution-people", kwargs={"slug": slug}))
    return context


FOR_CONTACT = frozenset({CONTACT})
FOR_SECRETARIAT = frozenset({SECRETARIAT})


KINDS = [
    # allauth's own mail (address verification, password reset), rendered by members.adapters.
    Kind(key="account", label=_("Account and sign-in"),
         description=_("Address verification and password reset. Always sent."),
         template="notifications/email/prerendered", choosable=False, digestible=False, transactional=True,
         order=0),
    Kind(key="application_received", label=_("Membership application received"),
         description=_("A receipt for an application you submitted."),
         template="members/email/application_received", context=_application_context, digestible=False, order=10),
    Kind(key="application_submitted", label=_("New membership applications (secretariat)"),
         description=_("A new application is waiting for review."),
         template="members/email/application_submitted", context=_application_context, order=11,
         audience=FOR_SECRETARIAT),
    Kind(key="application_decided", label=_("Membership application decided"),
         description=_("The secretariat approved, rejected or returned an application you submitted."),
         template="members/email/application_decided", context=_application_context, digestible=False, order=12),
    Kind(key="affiliation_requested", label=_("Affiliation requests to decide"),
         description=_("Someone asks to be affiliated with an institution whose contact you are."),
         template="members/email/affiliation_requested", context=_affiliation_request_context, order=20,
         audience=FOR_CONTACT),
    Kind(key="affiliation_decided", label=_("Affiliation decided"),
         description=_("Your request to be affiliated with an institution was approved or refused."),
         template="members/email/affiliation_decided", context=_affiliation_context, order=21),
]


def _audiences(user) -> set[str]:
    """The notification audiences this app knows: the secretariat's group (notices go to all of
    it, with or without two-factor), staff of a member, an institution's contacts."""
    found = {SECRETARIAT} if in_secretariat_group(user) else set()
    affiliations = current_affiliations(user)
    if affiliations:
        found.add(STAFF)
    if any(a.is_contact for a in affiliations):
        found.add(CONTACT)
    return found


def register_all():
    for kind in KINDS:
        register(kind)
    register_audience_resolver(_audiences)
