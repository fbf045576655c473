"""Personal access tokens for the REST API: created, used and revoked by their person."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit.services import audit
from ..models import AccessToken, User

# "cnp_" + 8 characters of lookup prefix + "_" + the secret: recognisable in a leaked log or a
# repository scan, and the prefix alone finds the row.
TOKEN_TAG = "cnp_"
PREFIX_LENGTH = 8
LIFETIMES = (30, 90, 365)  # the expiries a person may choose, in days
LAST_USED_PRECISION = timedelta(minutes=1)  # last_used is written at most once a minute per token


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, days: int) -> tuple[AccessToken, str]:
    """Create a token for ``user`` that expires in ``days`` days; returns the row and the token
    itself, which is never stored and cannot be shown again. Side effects: an audit entry."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so that you know what it is for.")})
    if days not in LIFETIMES:
        raise ValidationError({"days": _("Choose one of the expiries offered.")})
    User.objects.select_for_update().filter(pk=user.pk).first()  # two creations at once count in turn
    if AccessToken.objects.usable().filter(user=user).count() >= settings.API_TOKEN_MAX_PER_USER:
        raise ValidationError(_("You have %(n)d tokens in use: revoke one you no longer need first.")
                              % {"n": settings.API_TOKEN_MAX_PER_USER})
    while True:
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if not AccessToken.objects.filter(prefix=prefix).exists():
            break
    raw = f"{TOKEN_TAG}{prefix}_{secrets.token_urlsafe(32)}"
    token = AccessToken(user=user, name=name, prefix=prefix, digest=_digest(raw),
                        expires_at=timezone.now() + timedelta(days=days))
    token.full_clean()
    token.save()
    audit(actor=user, action="token.create", obj=token, detail={"name": name, "expires": token.expires_at.isoformat()})
    return token, raw


@transaction.atomic
def token_revoke(*, token: AccessToken, by: User) -> AccessToken:
    """Revoke ``token`` at once (a revoked token answers 401). Side effects: an audit entry.
    Revoking a revoked token changes nothing."""
    token = AccessToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=by, action="token.revoke", obj=token, detail={"name": token.name})
    return token


def token_authenticate(raw: str) -> AccessToken | None:
    """The usable token whose secret is ``raw`` (with its active user), or None. Marks it used
    (at most once a minute, so a busy script does not write on every request)."""
    if not raw.startswith(TOKEN_TAG):
        return None
    prefix = raw[len(TOKEN_TAG):len(TOKEN_TAG) + PREFIX_LENGTH]
    token = AccessToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
