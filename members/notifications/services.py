"""Writing to the outbox, and the recipients' choices."""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language

from ..audit.services import audit
from . import registry
from .models import Delivery, EmailOptOut, Notification, NotificationPreference
from .rendering import digest_line
from .tasks import deliver_notifications


def current_language() -> str:
    """'ja' or 'en': the language a message to an address without an account is written in."""
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def dedup_key(kind: str, ct_id, object_id, recipient: str, period: str) -> str:
    key = f"{kind}:{ct_id or '-'}:{object_id or '-'}:{recipient}:{period}"
    if len(key) > 200:
        key = f"{kind}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def preferences_for(users, kind: str) -> dict[int, str]:
    """{user id: delivery} for ``kind``, defaults filled in (one query)."""
    default = registry.get(kind).default
    ids = [u.pk for u in users]
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "delivery")
    )
    return {pk: chosen.get(pk, default) for pk in ids}


def notify(
    *,
    kind: str,
    to: Iterable,
    obj: models.Model | None = None,
    context: dict | None = None,
    period: str = "",
    reply_to: str = "",
    language: str | None = None,
) -> list[int]:
    """Write one outbox row per recipient in the caller's transaction; deliver after commit.

    ``to`` holds users or bare e-mail addresses (applicants without an account). A recipient who
    chose *never* for this kind gets no row; one who chose *digest* gets a held row that the weekly
    digest picks up. Asking again for the same (kind, object, recipient, period) adds nothing.
    ``context`` must be JSON-serialisable: rows are rendered when sent, in the recipient's language.
    Returns the ids of the rows queued for immediate delivery.

    Side effects: rows in ``Notification``; on commit, delivery tasks (eager without Redis).
    """
    spec = registry.get(kind)
    recipients = list(to)
    users = [r for r in recipients if not isinstance(r, str)]
    addresses = [r.strip().lower() for r in recipients if isinstance(r, str)]
    prefs = preferences_for(users, kind) if spec.choosable else {}
    opted_out = (
        set(EmailOptOut.objects.filter(email__in=addresses, kind=kind).values_list("email", flat=True))
        if addresses and spec.choosable
        else set()
    )
    ct_id = ContentType.objects.get_for_model(obj).pk if obj is not None else None
    object_id = obj.pk if obj is not None else None
    now = timezone.now()
    rows = []
    for user in users:
        if not user.email or not user.is_active:
            continue
        delivery = prefs.get(user.pk, Delivery.IMMEDIATE)
        if delivery == Delivery.NEVER:
            continue
        held = delivery == Delivery.DIGEST and spec.digestible
        row = Notification(
            kind=kind,
            recipient=user,
            email=user.email,
            language=user.language or "ja",
            content_type_id=ct_id,
            object_id=object_id,
            dedup_key=dedup_key(kind, ct_id, object_id, f"u{user.pk}", period),
            context=context or {},
            reply_to=reply_to,
            status=Notification.Status.HELD if held else Notification.Status.QUEUED,
            created_at=now,
            next_attempt_at=now,
            enqueued_at=now,
        )
        if held:
            if obj is not None:
                row.target = obj
            row.context = {**row.context, **digest_line(row, obj)}
        rows.append(row)
    for address in addresses:
        if address in opted_out:
            continue
        rows.append(
            Notification(
                kind=kind,
                email=address,
                language=language or current_language(),
                content_type_id=ct_id,
                object_id=object_id,
                dedup_key=dedup_key(kind, ct_id, object_id, address, period),
                context=context or {},
                reply_to=reply_to,
                created_at=now,
                next_attempt_at=now,
                enqueued_at=now,
            )
        )
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    # Only rows this call created are still queued with our timestamp; a repeat finds its old row.
    ids = list(
        Notification.objects.filter(
            dedup_key__in=[r.dedup_key for r in rows], status=Notification.Status.QUEUED, created_at=now
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    enqueue_on_commit(ids)
    return ids


def enqueue_on_commit(ids: list[int]) -> None:
    """After the current transaction commits, hand the rows to delivery tasks in batches."""
    if not ids:
        return
    size = settings.NOTIFY_BATCH_SIZE

    def enqueue():
        for i in range(0, len(ids), size):
            deliver_notifications.delay(ids[i : i + size])

    transaction.on_commit(enqueue)


@transaction.atomic
def preference_set(*, user, kind: str, delivery: str) -> NotificationPreference:
    """Record ``user``'s choice for ``kind``."""
    spec = registry.get(kind)
    if not spec.choosable or delivery not in Delivery.values:
        raise ValueError(f"cannot set {kind!r} to {delivery!r}")
    if delivery == Delivery.DIGEST and not spec.digestible:
        raise ValueError(f"{kind!r} is not sent in the digest")
    pref, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": delivery}
    )
    return pref


@transaction.atomic
def unsubscribe(*, kind: str, user=None, email: str = "") -> None:
    """Turn ``kind`` off for exactly this user (or this address without an account)."""
    if user is not None:
        preference_set(user=user, kind=kind, delivery=Delivery.NEVER)
    elif email:
        EmailOptOut.objects.get_or_create(email=email.lower(), kind=kind)
    # Anything of that kind still waiting for them is not sent either.
    waiting = Notification.objects.filter(
        kind=kind, status__in=[Notification.Status.QUEUED, Notification.Status.HELD]
    )
    waiting = waiting.filter(recipient=user) if user is not None else waiting.filter(email=email.lower())
    waiting.update(status=Notification.Status.SKIPPED, last_error="unsubscribed")


@transaction.atomic
def opt_in(*, kind: str, email: str) -> None:
    """Undo an address's unsubscribe from ``kind``: it asked for it again and confirmed (the
    newsletter's double opt-in)."""
    EmailOptOut.objects.filter(email=email.lower(), kind=kind).delete()


def opted_out(*, kind: str, emails) -> set[str]:
    """Those of ``emails`` that asked not to receive ``kind`` (one query)."""
    return set(EmailOptOut.objects.filter(kind=kind, email__in=[e.lower() for e in emails])
               .values_list("email", flat=True))


@transaction.atomic
def notification_resend(*, notification: Notification, by) -> Notification:
    """Queue a failed message again (the secretariat's button). Side effects: a delivery task on
    commit; an audit entry."""
    updated = Notification.objects.filter(
        pk=notification.pk, status__in=[Notification.Status.FAILED, Notification.Status.SKIPPED]
    ).update(status=Notification.Status.QUEUED, next_attempt_at=timezone.now(), enqueued_at=timezone.now(), attempts=0)
    if updated:
        audit(actor=by, action="notification.resend", obj=notification, detail={"kind": notification.kind})
        enqueue_on_commit([notification.pk])
    notification.refresh_from_db()
    return notification
