from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The outbox: a Django app of its own under the members layer, so that ``members`` proper is
    the membership domain. Its tables keep the names they had when the outbox lived in ``members``
    (``db_table``), so moving it out changed no data."""

    name = "members.notifications"
    label = "notifications"
    verbose_name = _("E-mail outbox")
