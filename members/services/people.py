"""People: how a person leaves with their record kept (anonymisation)."""

from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import extensions
from ..audit.services import audit
from ..models import AccessToken, Affiliation, User
from ..notifications.models import Notification, NotificationPreference

# No mail can reach an address under .invalid (RFC 2606); the user's id keeps each one unique.
ANONYMISED_DOMAIN = "anonymised.invalid"


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMISED_DOMAIN)


@transaction.atomic
def user_anonymise(*, user: User, by: User) -> User:
    """Remove a person's personal data and keep the row, so that what they did stays on record:
    their initiatives, registrations and attendance, minutes, memberships and the audit log. This,
    not deletion, is how a person leaves: deleting a user with a history is refused (PROTECT).

    Side effects: the name is cleared and the e-mail address replaced by a placeholder; the password
    made unusable, the account inactive, without admin rights, groups or permissions; allauth's
    e-mail addresses and two-factor authenticators deleted; signed-in sessions ended; API tokens
    revoked (so the person's token list and the audit agree that none works any more); open
    affiliations ended (an audit entry each) and the positions and messages of all cleared; the
    outbox's rows for the person lose the address, and those still waiting are skipped; notification
    choices deleted; each upper app's anonymise hook (members/extensions.py); an audit entry. The
    audit log's earlier entries are kept as they are: they record who decided what.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == by.pk:
        raise ValidationError(_("You cannot anonymise your own account."))
    if is_anonymised(user):
        raise ValidationError(_("This account is already anonymised."))
    user.email = f"anonymised-{user.pk}@{ANONYMISED_DOMAIN}"
    user.name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _end_sessions(user)
    revoked = AccessToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    NotificationPreference.objects.filter(user=user).delete()
    outbox = Notification.objects.filter(recipient=user)
    outbox.filter(status__in=[Notification.Status.QUEUED, Notification.Status.HELD]).update(
        status=Notification.Status.SKIPPED, last_error="anonymised"
    )
    outbox.update(email=user.email)

    now = timezone.now()
    ended = 0
    for affiliation in Affiliation.objects.select_for_update().filter(user=user).select_related("institution"):
        still_open = affiliation.status in (Affiliation.Status.PENDING, Affiliation.Status.APPROVED)
        if still_open:
            affiliation.status = Affiliation.Status.ENDED
            affiliation.decided_by = by
            affiliation.decided_at = now
        affiliation.title = affiliation.message = ""
        affiliation.save()
        if still_open:
            ended += 1
            audit(actor=by, action="affiliation.end", obj=affiliation, detail={"user": user.email, "anonymised": True})
    for hook in extensions.anonymise_hooks():
        hook(user=user, by=by)
    audit(actor=by, action="user.anonymise", obj=user, detail={"affiliations_ended": ended, "tokens_revoked": revoked})
    return user


def _end_sessions(user: User) -> None:
    """Sign the person out everywhere. The new (unusable) password already invalidates every session
    at its next request, whatever the engine; sessions in the database are also deleted now. A
    session holds the user's id only inside its encoded data, hence the scan of the live ones."""
    if settings.SESSION_ENGINE not in ("django.contrib.sessions.backends.db",
                                       "django.contrib.sessions.backends.cached_db"):
        return
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session.session_key).delete()
