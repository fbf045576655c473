"""Signed links of a visitor's registration (no token table). The confirmation link proves the
address for VISITOR_CONFIRM_HOURS; the cancel link, sent with the confirmation of the place, proves
it until the meeting is over (a registration of a past meeting cannot be cancelled anyway)."""

from django.core import signing

CONFIRM_SALT = "meetings.visitor.confirm"
CANCEL_SALT = "meetings.visitor.cancel"
VISITOR_CONFIRM_HOURS = 48
CANCEL_MAX_AGE = 400 * 24 * 3600  # longer than any registration stays open


def _make(salt: str, *, registration) -> str:
    return signing.dumps({"r": registration.pk, "e": registration.email.lower()}, salt=salt, compress=True)


def _read(salt: str, token: str, max_age: int) -> dict | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int) or not isinstance(payload.get("e"), str):
        return None
    return payload


def make_confirm_token(*, registration) -> str:
    return _make(CONFIRM_SALT, registration=registration)


def read_confirm_token(token: str) -> dict | None:
    return _read(CONFIRM_SALT, token, VISITOR_CONFIRM_HOURS * 3600)


def make_cancel_token(*, registration) -> str:
    return _make(CANCEL_SALT, registration=registration)


def read_cancel_token(token: str) -> dict | None:
    return _read(CANCEL_SALT, token, CANCEL_MAX_AGE)
