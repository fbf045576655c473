"""What the history pages call each recorded action. Upper apps add theirs with register()."""

from django.utils.translation import gettext_lazy as _

_labels = {
    "application.approve": _("approved the membership application"),
    "application.reject": _("rejected the membership application"),
    "application.return": _("returned the application for changes"),
    "institution.join": _("joined the coalition"),
    "institution.update": _("edited the profile"),
    "institution.active": _("reactivated the membership"),
    "institution.suspended": _("suspended the membership"),
    "institution.withdrawn": _("recorded the withdrawal"),
    "institution.import": _("imported the member list"),
    "affiliation.approve": _("approved an affiliation"),
    "affiliation.refuse": _("refused an affiliation"),
    "affiliation.role": _("changed a role"),
    "affiliation.end": _("ended an affiliation"),
    "notification.resend": _("resent a message"),
    "document.remove": _("removed a document"),
    "user.anonymise": _("anonymised a person's account"),
    "token.create": _("created an API token"),
    "token.revoke": _("revoked an API token"),
}


def register(labels: dict) -> None:
    _labels.update(labels)


def label(action: str):
    return _labels.get(action, action)
