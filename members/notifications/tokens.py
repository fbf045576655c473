"""Signed unsubscribe tokens: prove who a link was made for, without a table."""

from django.conf import settings
from django.core import signing

SALT = "members.notifications.unsubscribe"


def make_token(*, kind: str, user_id: int | None = None, email: str = "") -> str:
    payload = {"k": kind, "u": user_id} if user_id else {"k": kind, "e": email.lower()}
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str) -> dict | None:
    """The payload, or None when the token is forged, damaged or older than UNSUBSCRIBE_MAX_AGE."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.UNSUBSCRIBE_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), str):
        return None
    return payload
