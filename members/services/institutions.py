"""Institutions: their profiles and their status as members (the secretariat's decisions)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import extensions
from ..audit.services import audit
from ..models import EmailDomain, Institution, User

# What the profile form edits (InstitutionForm); the e-mail domains are rows of their own.
PROFILE_FIELDS = ("name_ja", "name_en", "name_kana", "website", "logo", "profile_ja", "profile_en", "target_year")


@transaction.atomic
def institution_update(*, institution: Institution, by: User, data: dict,
                       email_domains: list[str] | None = None) -> Institution:
    """Change the profile: ``data`` holds values of PROFILE_FIELDS (a new logo is an uploaded
    file, already checked and re-encoded; "" removes it), ``email_domains`` the complete list
    of the institution's domains (None leaves them as they are).

    Side effects: the e-mail domain rows; an audit entry naming the fields that changed; a new
    target year is followed by the apps keeping it too (the progress commitment), or refused
    (ValidationError, nothing saved) when one of them cannot take it.
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    changed = [name for name, value in data.items() if getattr(institution, name) != value]
    for name, value in data.items():
        setattr(institution, name, value)
    institution.full_clean(exclude=["logo"] if "logo" not in changed else None)
    if "target_year" in changed:
        for keeper in extensions.target_year_keepers():
            problem = keeper.check(institution, institution.target_year)
            if problem:
                raise ValidationError({"target_year": problem})
    institution.save()
    if "target_year" in changed:
        for keeper in extensions.target_year_keepers():
            keeper.follow(institution, institution.target_year, by)
    if email_domains is not None:
        current = set(institution.email_domains.values_list("domain", flat=True))
        wanted = set(email_domains)
        if current != wanted:
            changed.append("email_domains")
            EmailDomain.objects.filter(institution=institution).exclude(domain__in=wanted).delete()
            for domain in sorted(wanted - current):
                EmailDomain.objects.get_or_create(domain=domain, defaults={"institution": institution})
    if changed:
        audit(actor=by, action="institution.update", obj=institution, detail={"fields": changed})
    return institution


@transaction.atomic
def institution_set_status(*, institution: Institution, by: User, status: str, reason: str) -> Institution:
    """Suspend, withdraw or reactivate a member, with a reason (secretariat). Nothing is deleted:
    its initiatives and meeting records stay, and it leaves the directory."""
    reason = (reason or "").strip()
    if status not in Institution.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if not reason:
        raise ValidationError({"reason": _("Give the reason; it is kept in the institution's history.")})
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if institution.status == status:
        raise ValidationError({"status": _("The institution already has this status.")})
    before = institution.status
    institution.status = status
    institution.save(update_fields=["status", "updated_at"])
    audit(actor=by, action=f"institution.{status}", obj=institution, reason=reason,
          detail={"from": before, "to": status})
    return institution
