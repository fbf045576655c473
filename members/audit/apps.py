from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log of decisions: a Django app of its own at the bottom of the members layer. Its
    table keeps the name it had inside ``members`` (``db_table``)."""

    name = "members.audit"
    label = "audit"
    verbose_name = _("Audit log")
