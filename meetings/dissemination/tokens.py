"""Signed links of the newsletter (no token table): the confirmation link proves who asked and in
which language, for NEWSLETTER_CONFIRM_HOURS; the unsubscribe link proves the address, for as long
as any unsubscribe link of the portal (UNSUBSCRIBE_MAX_AGE)."""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "dissemination.newsletter.confirm"
UNSUBSCRIBE_SALT = "dissemination.newsletter.unsubscribe"


def make_confirm_token(*, email: str, language: str) -> str:
    return signing.dumps({"e": email.lower(), "l": language}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRM_HOURS * 3600)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str) or payload.get("l") not in ("ja", "en"):
        return None
    return payload


def make_unsubscribe_token(*, email: str) -> str:
    return signing.dumps({"e": email.lower()}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=settings.UNSUBSCRIBE_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        return None
    return payload
