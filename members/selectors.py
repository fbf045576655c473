"""Reads of the members app that span models or depend on who asks."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit.models import AuditEntry
from .cache import cached_fragment
from .filters import directory_ordering
from .i18n import fold, pick
from .models import Affiliation, EmailDomain, Institution, MembershipApplication, User
from .notifications.rendering import url_in
from .rules import contact_institution_ids


def secretariat_users() -> list[User]:
    """Everyone in the secretariat's group (active): who hears of what waits for the secretariat."""
    return list(User.objects.filter(is_active=True).in_secretariat_group())


def institution_contacts(institution) -> list[User]:
    """People who decide for the institution: its approved contacts and representative."""
    return list(
        User.objects.filter(
            is_active=True,
            affiliations__institution=institution,
            affiliations__status=Affiliation.Status.APPROVED,
            affiliations__role__in=[Affiliation.Role.CONTACT, Affiliation.Role.REPRESENTATIVE],
        ).distinct()
    )


def duplicate_of(*, name_ja: str, name_en: str, exclude_application=None) -> str | None:
    """Why an application for this institution cannot be taken (a member or an open application
    has the same name), or None."""
    keys = {fold(name_ja), fold(name_en)} - {""}
    if not keys:
        return None
    candidates = Institution.objects.filter(
        Q(search_text__contains=fold(name_ja)) | Q(search_text__contains=fold(name_en))
    ).exclude(status=Institution.Status.WITHDRAWN)
    for inst in candidates[:50]:
        if keys & {fold(inst.name_ja), fold(inst.name_en)}:
            return _("%(name)s is already a member of the coalition. Its contact can add you as staff.") % {
                "name": inst.name
            }
    pending = MembershipApplication.objects.open().filter(name_key__in={MembershipApplication.key_of(k) for k in keys})
    if exclude_application is not None:
        pending = pending.exclude(pk=exclude_application.pk)
    if pending.exists():
        return _("An application for %(name)s is already being reviewed by the secretariat.") % {"name": name_ja}
    return None


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


def affiliation_requests_for(user):
    """Pending requests at the institutions where ``user`` is a contact, never their own (a
    queryset, oldest first: the signed-in home counts it and lists the first few)."""
    return (Affiliation.objects.pending().filter(institution_id__in=contact_institution_ids(user))
            .exclude(user_id=user.pk).select_related("user", "institution").order_by("created_at", "pk"))


def affiliations_to_decide(user) -> list[Affiliation]:
    """Pending requests at the institutions where ``user`` is a contact."""
    if not contact_institution_ids(user):
        return []
    return list(affiliation_requests_for(user))


def applications_to_decide():
    """Membership applications submitted and waiting for the secretariat, oldest first."""
    return MembershipApplication.objects.filter(status=MembershipApplication.Status.SUBMITTED).order_by("created_at")


def stale_affiliations():
    """Affiliation requests a contact has left waiting more than a week (the secretariat steps in)."""
    week_ago = timezone.now() - timedelta(days=7)
    return (Affiliation.objects.pending().filter(created_at__lt=week_ago)
            .select_related("user", "institution").order_by("created_at"))


def own_requests_waiting(user):
    """The person's own affiliation requests that nobody has decided yet (a queryset)."""
    return Affiliation.objects.pending().filter(user_id=user.pk).select_related("institution").order_by("created_at")


def secretariat_queue() -> dict:
    """What waits for the secretariat: applications, stale affiliation requests, member counts."""
    applications = list(MembershipApplication.objects.open().order_by("status", "created_at"))
    return {
        "submitted": [a for a in applications if a.status == MembershipApplication.Status.SUBMITTED],
        "returned": [a for a in applications if a.status == MembershipApplication.Status.RETURNED],
        "stale_affiliations": list(stale_affiliations()[:100]),
        "status_counts": dict(
            Institution.objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
    }


def email_domain_owner(domain: str):
    return EmailDomain.objects.filter(domain=domain).select_related("institution").first()


def new_members_for_digest(users, period) -> dict[int, list[dict]]:
    """The weekly digest's section of institutions that joined during the week: the same list for
    everyone, in each reader's language (one query)."""
    joined = list(Institution.objects.active().filter(
        joined_on__gte=period.start.date(), joined_on__lt=period.end.date()).order_by("name_kana")[:50])
    if not joined:
        return {}
    by_language = {
        lang: [{"title": pick(i.name_ja, i.name_en, lang), "url": url_in(lang, i)} for i in joined]
        for lang in ("ja", "en")
    }
    return {u.pk: by_language["en" if u.language == "en" else "ja"] for u in users}


def active_members_by_category() -> dict[str, int]:
    """{category: number of active member institutions}, kept until an institution changes (the
    about page's figures: a grouping of the 15,000 rows of the large scale, 14 ms a view)."""
    return cached_fragment("members-by-category", ("members",), (), lambda: dict(
        Institution.objects.active().values_list("category").annotate(n=Count("id")).order_by()))


def active_member_count() -> int:
    """How many institutions are active members, kept until one changes."""
    return sum(active_members_by_category().values())
