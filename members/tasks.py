"""Tasks of the members app (Celery's autodiscovery looks here)."""

from .notifications.tasks import deliver_notifications, outbox_sweep

__all__ = ["deliver_notifications", "outbox_sweep"]
