"""What this app adds to pages of lower apps (members.extensions)."""

from django.utils.translation import gettext_lazy as _

from members import extensions
from members.audit.labels import register as register_audit_labels
from members.rules import is_secretariat


def _translation_request(request, initiative):
    """On an initiative without a translation, the secretariat's button to ask its author."""
    if initiative.title_translated or initiative.author_id is None or not is_secretariat(request.user):
        return None
    return {"initiative": initiative}


def register():
    register_audit_labels({
        "news.publish": _("published a news item"),
        "news.unpublish": _("took a news item back to draft"),
        "newsletter.send": _("sent a newsletter issue"),
        "translation.request": _("asked the author for a translation"),
    })
    extensions.register_section(
        "initiative_detail",
        extensions.Section("translation-request", "dissemination/includes/_translation_request.html",
                           _translation_request, 10),
    )
