"""Tasks of the members app (Celery's autodiscovery looks here)."""

from .notifications.tasks import build_digest_batch, deliver_notifications, outbox_sweep, weekly_digest

__all__ = ["build_digest_batch", "deliver_notifications", "outbox_sweep", "weekly_digest"]
