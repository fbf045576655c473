"""Reads of the members app that span models or depend on who asks."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit.models import AuditEntry
from .filters import directory_ordering
from .models import Affiliation, EmailDomain, Institution, MembershipApplication


def email_domain_candidates(email: str) -> list[str]:
    """'a@lab.shinshu-u.ac.jp' → ['lab.shinshu-u.ac.jp', 'shinshu-u.ac.jp', 'ac.jp']."""
    domain = email.rsplit("@", 1)[-1].lower()
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


def suggested_institutions(user) -> list[Institution]:
    """Active members whose registered e-mail domains match the user's address (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        Institution.objects.active()
        .filter(email_domains__domain__in=email_domain_candidates(user.email))
        .distinct()
        .order_by(*directory_ordering())
    )


def institution_choices(suggestions):
    """(queryset, grouped choices) for the affiliation form: suggested institutions first."""
    qs = Institution.objects.active().order_by(*directory_ordering())
    everyone = [(i.pk, i.name) for i in qs]
    if suggestions:
        suggested_ids = {i.pk for i in suggestions}
        choices = [
            ("", "---------"),
            (_("Suggested from your e-mail address"), [(i.pk, i.name) for i in suggestions]),
            (_("All members"), [c for c in everyone if c[0] not in suggested_ids]),
        ]
    else:
        choices = [("", "---------"), *everyone]
    return qs, choices


def contacts_for(institution) -> list[Affiliation]:
    """The institution's representative and contacts, for signed-in staff (one query)."""
    return list(
        Affiliation.objects.approved()
        .filter(institution=institution, role__in=[Affiliation.Role.REPRESENTATIVE, Affiliation.Role.CONTACT])
        .select_related("user")
        .order_by("role", "user__name")
    )


def people_of(institution) -> dict:
    """Approved people and pending requests of an institution, for its contacts."""
    rows = list(
        Affiliation.objects.filter(
            institution=institution, status__in=[Affiliation.Status.APPROVED, Affiliation.Status.PENDING]
        )
        .select_related("user")
        .order_by("status", "role", "user__name")
    )
    return {
        "approved": [a for a in rows if a.status == Affiliation.Status.APPROVED],
        "pending": [a for a in rows if a.status == Affiliation.Status.PENDING],
    }


def history_of(institution, limit: int = 200) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(institution_id=institution.pk).order_by("-created_at", "-id")[:limit])


def affiliations_to_decide(user) -> list[Affiliation]:
    """Pending requests at the institutions where ``user`` is a contact."""
    from .rules import contact_institution_ids

    ids = contact_institution_ids(user)
    if not ids:
        return []
    return list(
        Affiliation.objects.pending().filter(institution_id__in=ids).select_related("user", "institution")
    )


def secretariat_queue() -> dict:
    """What waits for the secretariat: applications, stale affiliation requests, member counts."""
    week_ago = timezone.now() - timedelta(days=7)
    applications = list(MembershipApplication.objects.open().order_by("status", "created_at"))
    return {
        "submitted": [a for a in applications if a.status == MembershipApplication.Status.SUBMITTED],
        "returned": [a for a in applications if a.status == MembershipApplication.Status.RETURNED],
        "stale_affiliations": list(
            Affiliation.objects.pending()
            .filter(created_at__lt=week_ago)
            .select_related("user", "institution")
            .order_by("created_at")[:100]
        ),
        "status_counts": dict(
            Institution.objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
    }


def email_domain_owner(domain: str):
    return EmailDomain.objects.filter(domain=domain).select_related("institution").first()
