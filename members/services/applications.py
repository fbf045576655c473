"""Membership applications: submitted from the public form, decided by the secretariat."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import extensions
from ..audit.services import audit
from ..models import Affiliation, EmailDomain, Institution, MembershipApplication, User, validate_member_slug
from ..notifications.services import notify
from ..selectors import duplicate_of, secretariat_users
from ..tokens import application_edit_url
from .requests import Notice, request_decide

A = MembershipApplication.Status


@transaction.atomic
def application_submit(*, application: MembershipApplication, language: str) -> MembershipApplication:
    """Save a new application (already validated by its form).

    Side effects: a receipt to the applicant, a notice to every secretariat member.
    """
    reason = duplicate_of(name_ja=application.name_ja, name_en=application.name_en)
    if reason:
        raise ValidationError({"name_ja": reason})
    application.status = A.SUBMITTED
    application.language = language
    application.full_clean()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # two identical applications at the same moment: the database keeps one
        raise ValidationError(
            {"name_ja": _("An application for %(name)s is already being reviewed by the secretariat.")
             % {"name": application.name_ja}}
        )
    _notify_submitted(application, language)
    return application


def _notify_submitted(application, language):
    notify(kind="application_received", to=[application.applicant_email], obj=application,
           period=f"{application.updated_at:%Y%m%d%H%M%S%f}", language=language)
    notify(kind="application_submitted", to=secretariat_users(), obj=application,
           period=f"{application.updated_at:%Y%m%d%H%M%S%f}", reply_to=application.applicant_email)


@transaction.atomic
def application_resubmit(*, application: MembershipApplication, language: str) -> MembershipApplication:
    """The applicant sends back a returned application with the changes asked for.
    Side effects: as application_submit."""
    locked = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != A.RETURNED:
        raise ValidationError(_("This application is no longer waiting for changes."))
    reason = duplicate_of(name_ja=application.name_ja, name_en=application.name_en, exclude_application=application)
    if reason:
        raise ValidationError({"name_ja": reason})
    application.status = A.SUBMITTED
    application.language = language
    application.full_clean()
    application.save()
    _notify_submitted(application, language)
    return application


def _already_decided(application) -> str:
    return _("This application was already decided (%(status)s).") % {"status": application.get_status_display()}


def unique_slug(base: str) -> str:
    """A free address name for a new member, from its English name."""
    base = (slugify(base) or "member")[:70]
    if base in validate_member_slug.reserved:
        base = f"{base}-member"
    slug, n = base, 2
    while Institution.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def application_approve(*, application: MembershipApplication, by: User) -> Institution:
    """Approve: the institution becomes an active member joined today, the applicant its contact
    (now, or when they sign up with that address), and the groups it named become requests.

    Side effects: Institution, EmailDomain, Affiliation rows; the application hooks of upper apps;
    audit entries; a decision e-mail to the applicant. Approving twice is refused.
    """
    applicant = _verified_user(application.applicant_email)

    def admit(row):
        reason = duplicate_of(name_ja=row.name_ja, name_en=row.name_en, exclude_application=row)
        if reason:
            raise ValidationError(reason)
        institution = Institution(
            name_ja=row.name_ja, name_en=row.name_en, name_kana=row.name_kana, slug=unique_slug(row.name_en),
            kind=row.kind, category=row.category, prefecture=row.prefecture, website=row.website,
            target_year=row.target_year, status=Institution.Status.ACTIVE, joined_on=timezone.localdate(),
        )
        institution.full_clean()
        institution.save()
        if row.email_domain and not EmailDomain.objects.filter(domain=row.email_domain).exists():
            EmailDomain.objects.create(institution=institution, domain=row.email_domain)
        row.institution = institution

    application = request_decide(
        application, by=by, to=A.APPROVED, action="application.approve", allowed_from=(A.SUBMITTED,),
        already=_already_decided, change=admit, institution=None,
        notice=lambda row: Notice("application_decided", [row.applicant_email], period="approved",
                                  language=row.language, context={"has_account": applicant is not None},
                                  reply_to=settings.SECRETARIAT_EMAIL),
    )
    institution = application.institution
    if applicant is not None:
        _grant_contact(application, applicant, by=by)
    for hook in extensions.application_hooks():
        hook(application=application, institution=institution, by=by)
    audit(actor=by, action="institution.join", obj=institution, detail={"application": application.reference})
    return institution


def _verified_user(email: str) -> User | None:
    address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    return address.user if address and address.user.is_active else None


def _grant_contact(application, user, *, by):
    affiliation = Affiliation.objects.filter(
        user=user, institution=application.institution, status__in=[Affiliation.Status.PENDING,
                                                                    Affiliation.Status.APPROVED]
    ).first()
    if affiliation is None:
        affiliation = Affiliation(user=user, institution=application.institution)
    affiliation.role = Affiliation.Role.CONTACT
    affiliation.status = Affiliation.Status.APPROVED
    affiliation.title = affiliation.title or application.applicant_title
    affiliation.decided_by = by
    affiliation.decided_at = timezone.now()
    affiliation.save()
    application.contact_granted = True
    application.save(update_fields=["contact_granted", "updated_at"])
    audit(actor=by, action="affiliation.approve", obj=affiliation,
          detail={"role": affiliation.role, "via": application.reference})
    return affiliation


@transaction.atomic
def invitations_accept(*, user: User, email: str) -> list[Affiliation]:
    """When ``email`` is verified: approved applications made from it make ``user`` the contact.
    (Called from the account adapter once allauth confirms the address.) Side effects: the
    affiliations, an audit entry each."""
    granted = []
    pending = MembershipApplication.objects.select_for_update().filter(
        status=A.APPROVED, contact_granted=False, applicant_email__iexact=email, institution__isnull=False
    )
    for application in pending:
        granted.append(_grant_contact(application, user, by=None))
    return granted


@transaction.atomic
def application_reject(*, application: MembershipApplication, by: User, reason: str) -> MembershipApplication:
    """Reject with a reason. Side effects: audit entry, decision e-mail."""
    return _close(application, by=by, reason=reason, status=A.REJECTED, action="application.reject")


@transaction.atomic
def application_return(*, application: MembershipApplication, by: User, reason: str) -> MembershipApplication:
    """Return for changes with what to change. Side effects: audit entry, e-mail with an edit link."""
    return _close(application, by=by, reason=reason, status=A.RETURNED, action="application.return")


def _close(application, *, by, reason, status, action):
    def notice(row):
        return Notice("application_decided", [row.applicant_email],
                      period=f"{status}:{row.decided_at:%Y%m%d%H%M%S%f}", language=row.language,
                      context={"edit_url": application_edit_url(row)} if status == A.RETURNED else {},
                      reply_to=settings.SECRETARIAT_EMAIL)

    return request_decide(
        application, by=by, to=status, action=action, reason=reason,
        reason_required=_("Give the reason; the applicant will read it."),
        allowed_from=(A.SUBMITTED,), already=_already_decided, notice=notice,
    )
