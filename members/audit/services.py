from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry


def audit(*, actor, action: str, obj=None, reason: str = "", detail: dict | None = None, institution=None):
    """Record a decision in the caller's transaction (it rolls back with the decision)."""
    if institution is None and obj is not None:
        institution = getattr(obj, "institution", None)
        if institution is None and obj.__class__.__name__ == "Institution":
            institution = obj
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=getattr(actor, "email", "") or "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        object_label=str(obj)[:300] if obj is not None else "",
        institution_id=getattr(institution, "pk", None),
        reason=reason,
        detail=detail or {},
    )
