"""The signed link that confirms a need's e-mail address (no token table): it names the need and
its address, works for three days, and once only (a confirmed need is not confirmed again)."""

from django.core import signing
from django.urls import reverse
from django.utils import translation

from members.notifications.rendering import absolute

from .models import Need

SALT = "cooperation.need.confirm"
MAX_AGE = 60 * 60 * 24 * 3


def confirm_token(need: Need) -> str:
    return signing.dumps({"n": need.pk, "e": need.contact_email}, salt=SALT)


def confirm_url(need: Need) -> str:
    with translation.override(need.language):
        return absolute(reverse("cooperation:need-confirm", kwargs={"token": confirm_token(need)}))


def read_confirm_token(token: str) -> tuple[Need | None, str]:
    """(the need, "") or (None, why): "expired" or "invalid"."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "invalid"
    need = Need.objects.filter(pk=payload.get("n")).first() if isinstance(payload, dict) else None
    if need is None or need.contact_email != payload.get("e"):
        return None, "invalid"
    return need, ""


EDIT_SALT = "cooperation.need.edit"
EDIT_MAX_AGE = 60 * 60 * 24 * 30


def edit_token(need: Need) -> str:
    # Bound to the moment it was returned: once answered (saved again), the link stops working.
    return signing.dumps({"n": need.pk, "e": need.contact_email, "u": need.updated_at.isoformat()}, salt=EDIT_SALT)


def edit_url(need: Need) -> str:
    with translation.override(need.language):
        return absolute(reverse("cooperation:need-edit", kwargs={"token": edit_token(need)}))


def read_edit_token(token: str) -> tuple[Need | None, str]:
    """(the returned need, "") or (None, why): "expired" or "invalid" (tampered, or answered already)."""
    try:
        payload = signing.loads(token, salt=EDIT_SALT, max_age=EDIT_MAX_AGE)
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "invalid"
    need = Need.objects.filter(pk=payload.get("n")).first() if isinstance(payload, dict) else None
    if (need is None or need.status != Need.Status.RETURNED or need.contact_email != payload.get("e")
            or need.updated_at.isoformat() != payload.get("u")):
        return None, "invalid"
    return need, ""
