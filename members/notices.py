"""The notification kinds of the members app (registered in MembersConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .notifications.digest import body_parts as digest_body
from .notifications.registry import Kind, Obsolete, register
from .notifications.rendering import absolute

ACCOUNT = register(
    Kind(
        key="account",
        label=_("Account and sign-in"),
        description=_("Address verification and password reset. Always sent."),
        template="notifications/email/prerendered",
        choosable=False,
        digestible=False,
        transactional=True,
        order=0,
    )
)


def _target(notification):
    obj = notification.target
    if obj is None:
        raise Obsolete("the object of this notice no longer exists")
    return obj


def _application_context(notification):
    application = _target(notification)
    return {
        "application": application,
        "review_url": absolute(reverse("members:application-review", kwargs={"pk": application.pk})),
        "apply_url": absolute(reverse("members:apply")),
        "signup_url": absolute(reverse("account_signup")),
        "login_url": absolute(reverse("account_login")),
    }


def _affiliation_context(notification):
    affiliation = _target(notification)
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


APPLICATION_RECEIVED = register(
    Kind(
        key="application_received",
        label=_("Membership application received"),
        description=_("A receipt for an application you submitted."),
        template="members/email/application_received",
        context=_application_context,
        digestible=False,
        order=10,
    )
)
APPLICATION_SUBMITTED = register(
    Kind(
        key="application_submitted",
        label=_("New membership applications (secretariat)"),
        description=_("A new application is waiting for review."),
        template="members/email/application_submitted",
        context=_application_context,
        order=11,
    )
)
APPLICATION_DECIDED = register(
    Kind(
        key="application_decided",
        label=_("Membership application decided"),
        description=_("The secretariat approved, rejected or returned an application you submitted."),
        template="members/email/application_decided",
        context=_application_context,
        digestible=False,
        order=12,
    )
)
AFFILIATION_REQUESTED = register(
    Kind(
        key="affiliation_requested",
        label=_("Affiliation requests to decide"),
        description=_("Someone asks to be affiliated with an institution whose contact you are."),
        template="members/email/affiliation_requested",
        context=_affiliation_request_context,
        order=20,
    )
)
AFFILIATION_DECIDED = register(
    Kind(
        key="affiliation_decided",
        label=_("Affiliation decided"),
        description=_("Your request to be affiliated with an institution was approved or refused."),
        template="members/email/affiliation_decided",
        context=_affiliation_context,
        order=21,
    )
)


WEEKLY_DIGEST = register(
    Kind(
        key="weekly_digest",
        label=_("Weekly digest"),
        description=_("On Monday morning: what happened in your groups, what is coming, and the notices you chose to "
                      "receive in the digest. Not sent when there is nothing new."),
        template="members/email/weekly_digest",
        context=digest_body,
        digestible=False,
        order=1,
    )
)


def url_in(language: str, obj) -> str:
    """The absolute address of ``obj`` in ``language``."""
    from django.utils import translation

    with translation.override(language):
        return absolute(obj.get_absolute_url())


def _new_members(users, period):
    """Institutions that joined during the week: the same list for everyone (one query)."""
    from .i18n import pick
    from .models import Institution

    joined = list(Institution.objects.active().filter(
        joined_on__gte=period.start.date(), joined_on__lt=period.end.date()).order_by("name_kana")[:50])
    if not joined:
        return {}
    by_language = {
        lang: [{"title": pick(i.name_ja, i.name_en, lang), "url": url_in(lang, i)} for i in joined]
        for lang in ("ja", "en")
    }
    return {u.pk: by_language["en" if u.language == "en" else "ja"] for u in users}


def _register_digest():
    from .notifications.digest import DigestSection, register_section

    register_section(DigestSection("new-members", "新しい会員機関", "New members", _new_members, order=40))


_register_digest()
