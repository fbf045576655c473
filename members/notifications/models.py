"""The outbox and the recipients' choices."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RowJSONField(models.JSONField):
    """A JSONField inserted row by row (VALUES) rather than through PostgreSQL's UNNEST of an
    array: the array's client-side quoting of large JSON texts took 400 ms of every 500-digest
    batch (bench/digest.py), the rows 140 ms. Django uses UNNEST only for fields without a
    get_placeholder()."""

    def get_placeholder(self, value, compiler, connection):
        return "%s"


class Delivery(models.TextChoices):
    """How a person wants one kind of notification."""

    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("In the weekly digest")
    NEVER = "never", _("Never")


class Notification(models.Model):
    """One e-mail to one recipient: written with the change that causes it, delivered later.

    ``dedup_key`` (kind, object, recipient and period) is unique, so asking twice for the same
    notice makes one row; ``claim`` is the token of the delivery run that owns a row in *sending*.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held for the digest")
        DIGESTED = "digested", _("Sent in a digest")
        SKIPPED = "skipped", _("No longer relevant")

    kind = models.CharField(_("kind"), max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications",
        db_index=False,  # notification_recipient (recipient, status) serves it
    )
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=8, default="ja")
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    dedup_key = models.CharField(max_length=200)  # unique: notification_dedup_key
    context = RowJSONField(default=dict, blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        db_table = "members_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A constraint rather than unique=True: no second (LIKE) index on the key.
            models.UniqueConstraint(fields=["dedup_key"], name="notification_dedup_key"),
        ]
        # The queue's indexes hold only the rows still in play (queued, sending): they stay small
        # however many messages were sent, and marking a message sent (a write per message) does
        # not add to them (bench/digest.py).
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="queued"), name="notification_due"),
            models.Index(fields=["claimed_at"], condition=models.Q(status="sending"), name="notification_claimed"),
            models.Index(fields=["claim"], condition=models.Q(claim__isnull=False), name="notification_claim"),
            models.Index(fields=["recipient", "status"], name="notification_recipient"),
            models.Index(fields=["kind", "status", "created_at"], name="notification_kind"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.email} ({self.status})"

    @property
    def message_id(self) -> str:
        """Stable across retries: a receiving server can tell a repeat from a new message."""
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"<notification-{self.pk}@{host}>"


class NotificationPreference(models.Model):
    """A person's choice for one kind; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "members_notificationpreference"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self):
        return f"{self.user}: {self.kind} = {self.delivery}"


class EmailOptOut(models.Model):
    """An address without an account that asked not to receive one kind again."""

    email = models.EmailField()
    kind = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "members_emailoptout"
        constraints = [models.UniqueConstraint(fields=["email", "kind"], name="email_opt_out_unique")]

    def __str__(self):
        return f"{self.email}: no {self.kind}"
