"""Signed links that prove who they were made for (no token tables)."""

from django.core import signing
from django.urls import reverse
from django.utils import translation

from .models import MembershipApplication
from .notifications.rendering import absolute

APPLICATION_SALT = "members.application.edit"
APPLICATION_MAX_AGE = 60 * 60 * 24 * 60  # a returned application can be corrected for 60 days


def application_edit_token(application) -> str:
    # Bound to the decision time: a link from an earlier return stops working once it is resubmitted.
    return signing.dumps({"a": application.pk, "t": application.decided_at.isoformat()}, salt=APPLICATION_SALT)


def application_edit_url(application) -> str:
    with translation.override(application.language):
        return absolute(reverse("members:apply-edit", kwargs={"token": application_edit_token(application)}))


def read_application_token(token: str):
    try:
        payload = signing.loads(token, salt=APPLICATION_SALT, max_age=APPLICATION_MAX_AGE)
    except signing.BadSignature:
        return None
    application = MembershipApplication.objects.filter(pk=payload.get("a")).first()
    if application is None or application.decided_at is None:
        return None
    if application.decided_at.isoformat() != payload.get("t"):
        return None
    return application
